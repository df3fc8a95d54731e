-- What `rollout run` needs to survive a kill -9: the playbook as planned, the soak clock, a lease
-- so one runner works a rollout at a time, a ledger of effects, and the fleet-wide freeze.

-- The spec file (its directory resolves relative upload paths); the playbook is a snapshot taken
-- at plan time, so a rollout always runs what was planned (a changed file is refused on resume).
ALTER TABLE rollouts ADD COLUMN spec_path TEXT;
ALTER TABLE rollouts ADD COLUMN playbook_path TEXT;
ALTER TABLE rollouts ADD COLUMN playbook TEXT;
ALTER TABLE rollouts ADD COLUMN playbook_sha256 TEXT;
-- When the current wave's soak began; NULL while the wave is still dispatching.
ALTER TABLE rollouts ADD COLUMN soak_started_at TEXT;
-- While one wave is being rolled back (a spent budget with rollback-wave): which wave.
ALTER TABLE rollouts ADD COLUMN rollback_wave INTEGER;

-- A failure an operator acknowledged by resuming a halted rollout no longer counts against the
-- budget. Values a step registered (the kernel before the change) live with the host, for rollback.
ALTER TABLE rollout_hosts ADD COLUMN acknowledged INTEGER NOT NULL DEFAULT 0 CHECK (acknowledged IN (0, 1));
ALTER TABLE rollout_hosts ADD COLUMN registered TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(registered));

-- One runner per rollout. A lease whose heartbeat is older than its TTL may be taken over; every
-- state write of a runner checks it still holds the lease (fencing), in the same transaction.
CREATE TABLE rollout_leases (
  rollout TEXT PRIMARY KEY REFERENCES rollouts (name),
  owner TEXT NOT NULL,
  pid INTEGER NOT NULL,
  machine TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  ttl_ms INTEGER NOT NULL
) STRICT;

-- Every remote effect, written as started before it runs and finished after. An effect left
-- started by a killed runner "may have happened": it is verified on resume, never blindly repeated.
CREATE TABLE rollout_effects (
  rollout TEXT NOT NULL REFERENCES rollouts (name),
  effect_id TEXT NOT NULL,
  hostname TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('started', 'done', 'failed')),
  -- What verification needs on resume, e.g. the boot id before a reboot.
  before TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(before)),
  result TEXT CHECK (result IS NULL OR json_valid(result)),
  attempts INTEGER NOT NULL DEFAULT 1,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  PRIMARY KEY (rollout, effect_id)
) STRICT;

CREATE INDEX rollout_effects_host ON rollout_effects (rollout, hostname);

-- At most one row: while it exists, no rollout dispatches anything.
CREATE TABLE fleet_freeze (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  since TEXT NOT NULL
) STRICT;

-- `rollout status` shows a rollout's latest events.
CREATE INDEX events_subject ON events (subject, id);
