-- A runner's tick reads the names of the hosts in flight, the next pending batch and a chunk of
-- pending hosts. With the hostname in the status index those reads never touch the table rows
-- (with 5,000 hosts in flight a tick read 5,000 rows and parsed their state, several times a
-- second); the soak's pages of succeeded hosts are read the same way.
DROP INDEX rollout_hosts_status;
CREATE INDEX rollout_hosts_status ON rollout_hosts (rollout, status, wave, batch, position, hostname);
