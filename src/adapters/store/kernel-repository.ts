import type { Database, Statement } from 'better-sqlite3';

export interface KernelPackage {
  fileName: string;
  path: string;
  package: string;
  version: string;
  sha256: string;
  sizeBytes: number;
}

export interface KernelBuild {
  id: number;
  status: 'succeeded' | 'failed';
  kernelRelease: string | null;
  sourceKind: 'git' | 'tarball' | 'tree';
  source: string;
  sourceSha256: string | null;
  baseRef: string | null;
  baseCommit: string | null;
  resultCommit: string | null;
  seriesName: string;
  seriesSha256: string;
  seriesApplied: boolean;
  configSha256: string | null;
  localversion: string | null;
  pkgversion: string | null;
  jobs: number;
  buildHost: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  logPath: string;
  error: string | null;
  packages: KernelPackage[];
}

const BUILD_COLUMNS = `id, status, kernel_release AS kernelRelease, source_kind AS sourceKind, source, source_sha256 AS sourceSha256,
  base_ref AS baseRef, base_commit AS baseCommit, result_commit AS resultCommit, series_name AS seriesName, series_sha256 AS seriesSha256,
  series_applied AS seriesApplied, config_sha256 AS configSha256, localversion, pkgversion, jobs, build_host AS buildHost,
  started_at AS startedAt, finished_at AS finishedAt, duration_ms AS durationMs, log_path AS logPath, error`;

type BuildRow = Omit<KernelBuild, 'packages' | 'seriesApplied'> & { seriesApplied: number };

export class KernelRepository {
  private readonly insertBuild: Statement<Record<string, unknown>>;
  private readonly insertPackage: Statement<Record<string, unknown>>;
  private readonly selectBuilds: Statement<[], BuildRow>;
  private readonly selectBuild: Statement<[number], BuildRow>;
  private readonly selectPackages: Statement<[number], KernelPackage>;

  constructor(db: Database) {
    this.insertBuild = db.prepare(`INSERT INTO kernel_builds (status, kernel_release, source_kind, source, source_sha256, base_ref, base_commit,
      result_commit, series_name, series_sha256, series_applied, config_sha256, localversion, pkgversion, jobs, build_host, started_at,
      finished_at, duration_ms, log_path, error)
      VALUES (@status, @kernelRelease, @sourceKind, @source, @sourceSha256, @baseRef, @baseCommit, @resultCommit, @seriesName, @seriesSha256,
      @seriesApplied, @configSha256, @localversion, @pkgversion, @jobs, @buildHost, @startedAt, @finishedAt, @durationMs, @logPath, @error)`);
    this.insertPackage = db.prepare(`INSERT INTO kernel_packages (build_id, file_name, path, package, version, sha256, size_bytes)
      VALUES (@buildId, @fileName, @path, @package, @version, @sha256, @sizeBytes)`);
    this.selectBuilds = db.prepare(`SELECT ${BUILD_COLUMNS} FROM kernel_builds ORDER BY id DESC`);
    this.selectBuild = db.prepare(`SELECT ${BUILD_COLUMNS} FROM kernel_builds WHERE id = ?`);
    this.selectPackages = db.prepare('SELECT file_name AS fileName, path, package, version, sha256, size_bytes AS sizeBytes FROM kernel_packages WHERE build_id = ? ORDER BY file_name');
  }

  /** Records a build and its packages; the caller holds the transaction. Returns the build id. */
  record(build: Omit<KernelBuild, 'id'>): number {
    const { packages, ...row } = build;
    const id = Number(this.insertBuild.run({ ...row, seriesApplied: row.seriesApplied ? 1 : 0 }).lastInsertRowid);
    for (const kernelPackage of packages) this.insertPackage.run({ buildId: id, ...kernelPackage });
    return id;
  }

  list(): KernelBuild[] {
    return this.selectBuilds.all().map((row) => this.withPackages(row));
  }

  find(id: number): KernelBuild | null {
    const row = this.selectBuild.get(id);
    return row ? this.withPackages(row) : null;
  }

  private withPackages(row: BuildRow): KernelBuild {
    return { ...row, seriesApplied: row.seriesApplied === 1, packages: this.selectPackages.all(row.id) };
  }
}
