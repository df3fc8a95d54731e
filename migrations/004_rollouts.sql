-- Rollouts, their hosts, and host locks. A host belongs to at most one active rollout: the lock
-- is a row keyed by hostname, taken in the same transaction that saves the rollout.
CREATE TABLE rollouts (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('kernel', 'cni')),
  target TEXT NOT NULL,
  spec TEXT NOT NULL CHECK (json_valid(spec)),
  spec_sha256 TEXT NOT NULL,
  status TEXT NOT NULL,
  wave INTEGER NOT NULL DEFAULT 0,
  reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE rollout_hosts (
  rollout TEXT NOT NULL REFERENCES rollouts (name),
  hostname TEXT NOT NULL,
  wave INTEGER NOT NULL,
  batch INTEGER NOT NULL,
  position INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (json_valid(state)),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (rollout, hostname)
) STRICT;

CREATE INDEX rollout_hosts_wave ON rollout_hosts (rollout, wave, batch, position);

CREATE TABLE host_locks (
  hostname TEXT PRIMARY KEY,
  rollout TEXT NOT NULL REFERENCES rollouts (name),
  locked_at TEXT NOT NULL
) STRICT;
