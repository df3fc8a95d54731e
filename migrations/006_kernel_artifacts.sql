-- Kernel builds with their provenance: what went in (base, series, config), what came out
-- (packages with checksums), where, when, how long, and the log. Failed builds are kept too.
CREATE TABLE kernel_builds (
  id INTEGER PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
  kernel_release TEXT,
  source_kind TEXT NOT NULL CHECK (source_kind IN ('git', 'tarball', 'tree')),
  source TEXT NOT NULL,            -- repository path, tarball path, or tree path
  source_sha256 TEXT,              -- of a tarball
  base_ref TEXT,
  base_commit TEXT,
  result_commit TEXT,
  series_name TEXT NOT NULL,
  series_sha256 TEXT NOT NULL,
  series_applied INTEGER NOT NULL CHECK (series_applied IN (0, 1)), -- 0: the tree already carried it
  config_sha256 TEXT,
  localversion TEXT,
  pkgversion TEXT,
  jobs INTEGER NOT NULL,
  build_host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  log_path TEXT NOT NULL,
  error TEXT
) STRICT;

CREATE TABLE kernel_packages (
  build_id INTEGER NOT NULL REFERENCES kernel_builds (id),
  file_name TEXT NOT NULL,
  path TEXT NOT NULL,
  package TEXT NOT NULL,
  version TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  PRIMARY KEY (build_id, file_name)
) STRICT;

CREATE INDEX kernel_builds_release ON kernel_builds (kernel_release);
