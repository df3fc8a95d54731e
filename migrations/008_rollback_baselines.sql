-- What a host looked like (as `fleet probe` reads it) before a rollout first touched it: a
-- rollback is "rolled back" only once the host's boot state matches this again.
ALTER TABLE rollout_hosts ADD COLUMN baseline TEXT CHECK (baseline IS NULL OR json_valid(baseline));
