-- Hosts: inventory fields (owned by `fleet import`) and observed fields (owned by `fleet probe`).
CREATE TABLE hosts (
  id INTEGER PRIMARY KEY,
  hostname TEXT NOT NULL UNIQUE,
  address TEXT NOT NULL,
  port INTEGER CHECK (port BETWEEN 1 AND 65535),        -- NULL: from ~/.ssh/config or 22
  ssh_user TEXT,                                         -- NULL: from ~/.ssh/config or the local user
  cluster TEXT,
  zone TEXT,
  rack TEXT,
  labels TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(labels) AND json_type(labels) = 'object'),
  running_kernel TEXT,
  default_kernel TEXT,
  boot_id TEXT,
  netkit_capable INTEGER CHECK (netkit_capable IN (0, 1)), -- NULL: not probed yet
  cni_mode TEXT,                                           -- veth | netkit; NULL: not probed yet
  last_probed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX hosts_failure_domain ON hosts (cluster, zone, rack);

-- Audit trail: append-only, each row carries the hash of the previous one.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor_user TEXT NOT NULL,
  actor_machine TEXT NOT NULL,
  reason TEXT,
  subject TEXT NOT NULL,
  host TEXT,
  action TEXT NOT NULL,
  details TEXT NOT NULL CHECK (json_valid(details)),
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;

CREATE INDEX events_host ON events (host, id) WHERE host IS NOT NULL;
CREATE INDEX events_at ON events (at);
CREATE INDEX events_action ON events (action, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be updated');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be deleted');
END;

-- The chain's head, written in the same transaction as each append: deleting the newest
-- events leaves a chain that is internally consistent, but no longer ends at the head.
CREATE TABLE audit_head (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  last_id INTEGER NOT NULL,
  last_hash TEXT NOT NULL
) STRICT;

INSERT INTO audit_head (singleton, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
