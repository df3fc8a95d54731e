-- The OpenSSH client config each lab wrote (`lab up`), so commands reach the lab's hosts (hosts
-- labelled lab=NAME) without FLEETWAVE_SSH_CONFIG. A user's own config still decides for every
-- other host. `lab down` removes the lab's row with its hosts.
CREATE TABLE lab_ssh_configs (
  lab TEXT PRIMARY KEY,
  ssh_config TEXT NOT NULL,
  recorded_at TEXT NOT NULL
) STRICT;
