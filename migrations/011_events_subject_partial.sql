-- Events about a host (subject `host:NAME`) always carry that host in the `host` column, and the
-- by-host index finds them. Indexing them by subject as well cost a second random index insert per
-- host event (a probe, an import's host.added): the subject index now holds the other subjects
-- only (rollouts, the fleet, kernel builds), and EventRepository.query answers a `host:` subject
-- through the host index.
DROP INDEX events_subject;
CREATE INDEX events_subject ON events (subject, id) WHERE subject NOT GLOB 'host:*';
