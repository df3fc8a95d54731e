-- A runner's tick must cost what is in flight, not what the rollout holds: counts per wave and
-- status are kept incrementally here, by triggers, in the same transaction as every host change,
-- so a runner, `rollout status` and progress lines read a few rows instead of a million.

-- The host's status and whether it counts against the failure budget (the host itself failed, as
-- countsAsFailure in src/rollout/host-machine.ts says), derived from the state JSON.
ALTER TABLE rollout_hosts ADD COLUMN status TEXT GENERATED ALWAYS AS (state ->> '$.status') VIRTUAL;
ALTER TABLE rollout_hosts ADD COLUMN host_failed INTEGER GENERATED ALWAYS AS (
  CASE
    WHEN state ->> '$.status' = 'failed' THEN 1
    WHEN state ->> '$.status' IN ('rolling-back', 'rolled-back', 'rollback-failed') AND state ->> '$.hostFailed' THEN 1
    ELSE 0
  END
) VIRTUAL;

-- The hosts a runner acts on (in flight, failed, rolling back) and the next pending batch, found
-- without scanning the rest.
CREATE INDEX rollout_hosts_status ON rollout_hosts (rollout, status, wave, batch, position);

CREATE TABLE rollout_tallies (
  rollout TEXT NOT NULL REFERENCES rollouts (name),
  wave INTEGER NOT NULL,
  status TEXT NOT NULL,
  -- Hosts of this status that failed themselves and that no operator acknowledged (resume does):
  -- what the failure budget counts.
  unacknowledged_failures INTEGER NOT NULL,
  hosts INTEGER NOT NULL,
  PRIMARY KEY (rollout, wave, status)
) STRICT;

INSERT INTO rollout_tallies (rollout, wave, status, unacknowledged_failures, hosts)
  SELECT rollout, wave, status, sum(host_failed AND NOT acknowledged), count(*) FROM rollout_hosts GROUP BY rollout, wave, status;

CREATE TRIGGER rollout_tallies_insert AFTER INSERT ON rollout_hosts BEGIN
  INSERT INTO rollout_tallies (rollout, wave, status, unacknowledged_failures, hosts)
    VALUES (NEW.rollout, NEW.wave, NEW.status, NEW.host_failed AND NOT NEW.acknowledged, 1)
    ON CONFLICT (rollout, wave, status) DO UPDATE SET
      hosts = hosts + 1, unacknowledged_failures = unacknowledged_failures + excluded.unacknowledged_failures;
END;

CREATE TRIGGER rollout_tallies_delete AFTER DELETE ON rollout_hosts BEGIN
  UPDATE rollout_tallies SET hosts = hosts - 1, unacknowledged_failures = unacknowledged_failures - (OLD.host_failed AND NOT OLD.acknowledged)
    WHERE rollout = OLD.rollout AND wave = OLD.wave AND status = OLD.status;
END;

CREATE TRIGGER rollout_tallies_update AFTER UPDATE OF state, acknowledged, wave ON rollout_hosts BEGIN
  UPDATE rollout_tallies SET hosts = hosts - 1, unacknowledged_failures = unacknowledged_failures - (OLD.host_failed AND NOT OLD.acknowledged)
    WHERE rollout = OLD.rollout AND wave = OLD.wave AND status = OLD.status;
  INSERT INTO rollout_tallies (rollout, wave, status, unacknowledged_failures, hosts)
    VALUES (NEW.rollout, NEW.wave, NEW.status, NEW.host_failed AND NOT NEW.acknowledged, 1)
    ON CONFLICT (rollout, wave, status) DO UPDATE SET
      hosts = hosts + 1, unacknowledged_failures = unacknowledged_failures + excluded.unacknowledged_failures;
END;
