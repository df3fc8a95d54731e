-- Host keys pinned by fleetwave itself (`--accept-new` on first contact). Verification also reads
-- the user's known_hosts files; a pin never overrides a known_hosts entry that disagrees.
CREATE TABLE host_keys (
  hostname TEXT NOT NULL,
  key_type TEXT NOT NULL,
  key_base64 TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  pinned_at TEXT NOT NULL,
  PRIMARY KEY (hostname, key_type)
) STRICT;
