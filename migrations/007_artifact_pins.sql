-- Everything a rollout uploads is hashed when it is planned: absolute path -> sha256, as JSON.
-- NULL for rollouts planned before pinning existed; `rollout run` refuses to ship a file that
-- changed since the plan.
ALTER TABLE rollouts ADD COLUMN artifacts TEXT CHECK (artifacts IS NULL OR json_valid(artifacts));
