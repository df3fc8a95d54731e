import type { Database, Statement } from 'better-sqlite3';
import type { ProbeFacts } from '../../probe/probe-facts.js';
import { ROLLBACK_STATUSES, WORKING_STATUSES, type HostState } from '../../rollout/host-machine.js';
import { nextBatchLimit, SKIP_CHUNK, viewNeeds, type PendingHost, type RunHostView, type RunTally, type RunView, type RunViewRequest } from '../../rollout/run-decision.js';
import type { RolloutPlan } from '../../rollout/planner.js';
import type { RolloutState, RolloutStatus } from '../../rollout/rollout-machine.js';
import type { RolloutSpec } from '../../rollout/spec.js';

export interface StoredRollout {
  name: string;
  kind: RolloutSpec['kind'];
  target: string;
  specSha256: string;
  status: RolloutStatus;
  wave: number;
  reason: string | null;
  rollbackWave: number | null;
  soakStartedAt: string | null;
  hosts: number;
  createdAt: string;
  updatedAt: string;
}

/** What a runner needs beyond the summary: the spec and the playbook exactly as planned. */
export interface RolloutDefinition {
  spec: RolloutSpec;
  specPath: string | null;
  playbookPath: string | null;
  playbook: string | null;
  playbookSha256: string | null;
  /** Upload sources pinned at plan time (path -> sha256); null when planned before pinning existed. */
  artifacts: Record<string, string> | null;
}

export interface RolloutHost {
  hostname: string;
  wave: number;
  batch: number;
  position: number;
  state: HostState;
  acknowledged: boolean;
  registered: Record<string, string>;
  /** The host's probed facts before the rollout first touched it; null until dispatched. */
  baseline: ProbeFacts | null;
  updatedAt: string;
}

export interface PlaybookSnapshot {
  specPath: string;
  playbookPath: string;
  text: string;
  sha256: string;
  artifacts: Record<string, string>;
}

const ROLLOUT_COLUMNS = `r.name, r.kind, r.target, r.spec_sha256 AS specSha256, r.status, r.wave, r.reason, r.rollback_wave AS rollbackWave,
  r.soak_started_at AS soakStartedAt, r.created_at AS createdAt, r.updated_at AS updatedAt,
  (SELECT coalesce(sum(t.hosts), 0) FROM rollout_tallies t WHERE t.rollout = r.name) AS hosts`;

interface HostRow {
  hostname: string;
  wave: number;
  batch: number;
  position: number;
  state: string;
  acknowledged: number;
  registered: string;
  baseline: string | null;
  updatedAt: string;
}

/** The statuses a host that failed itself can be in (countsAsFailure), as SQL: both the failure list and the acknowledgement use it. */
const FAILED_HOST_STATUSES = "('failed', 'rolling-back', 'rolled-back', 'rollback-failed')";

const HOST_COLUMNS = 'hostname, wave, batch, position, state, acknowledged, registered, baseline, updated_at AS updatedAt';
const VIEW_COLUMNS = 'hostname, wave, batch, position, state, acknowledged';
type ViewRow = Pick<HostRow, 'hostname' | 'wave' | 'batch' | 'position' | 'state' | 'acknowledged'>;

function inPlanOrder<Row extends ViewRow>(rows: Row[]): Row[] {
  return rows.sort((a, b) => a.wave - b.wave || a.batch - b.batch || a.position - b.position || a.hostname.localeCompare(b.hostname));
}

function toViewHost(row: ViewRow): RunHostView {
  return { hostname: row.hostname, wave: row.wave, batch: row.batch, state: JSON.parse(row.state) as HostState, acknowledged: row.acknowledged === 1 };
}

function toRolloutHost(row: HostRow): RolloutHost {
  return {
    ...row,
    state: JSON.parse(row.state) as HostState,
    acknowledged: row.acknowledged === 1,
    registered: JSON.parse(row.registered) as Record<string, string>,
    baseline: row.baseline === null ? null : (JSON.parse(row.baseline) as ProbeFacts),
  };
}

export class RolloutRepository {
  private readonly selectOne: Statement<[string], StoredRollout>;
  private readonly selectAll: Statement<[], StoredRollout>;
  private readonly selectDefinition: Statement<
    [string],
    { spec: string; specPath: string | null; playbookPath: string | null; playbook: string | null; playbookSha256: string | null; artifacts: string | null }
  >;
  private readonly selectHosts: Statement<[string], HostRow>;
  private readonly selectHost: Statement<[string, string], HostRow>;
  private readonly selectLocks: Statement<[], { hostname: string; rollout: string }>;
  private readonly insertRollout: Statement<[string, string, string, string, string, string, string | null, string | null, string | null, string | null, string | null, string, string]>;
  private readonly insertHost: Statement<[string, string, number, number, number, string, string]>;
  private readonly insertLock: Statement<[string, string, string]>;
  private readonly updateState: Statement<[string, number, string | null, number | null, string, string]>;
  private readonly updateSoak: Statement<[string | null, string]>;
  private readonly updateHostState: Statement<[string, string, string, string]>;
  private readonly updateRegistered: Statement<[string, string, string]>;
  private readonly updateBaseline: Statement<[string, string, string]>;
  private readonly insertLockIfFree: Statement<[string, string, string]>;
  private readonly selectLock: Statement<[string], { rollout: string }>;
  private readonly acknowledge: Statement<[string]>;
  private readonly deleteLocks: Statement<[string]>;
  private readonly selectTallies: Statement<[string], RunTally>;
  private readonly selectNamesIn: Statement<{ rollout: string; status: string; wave: number; batch: number; position: number; limit: number }, { hostname: string; batch: number; position: number }>;
  private readonly selectWithStatus: Statement<[string, string], HostRow>;
  private readonly selectPage: Statement<[string, number, number], HostRow>;
  private readonly selectFailed: Statement<[string], HostRow>;
  private readonly selectPageWithStatus: Statement<[string, string, number, number], HostRow>;
  private readonly skipAllPending: Statement<{ rollout: string; state: string; at: string }>;
  private readonly selectWorkingNames: Statement<[string, string], { hostname: string }>;
  private readonly selectNamed: Statement<[string, string], ViewRow>;
  private readonly selectNextBatch: Statement<{ rollout: string; wave: number; limit: number }, PendingHost>;
  private readonly selectPending: Statement<[string, number], PendingHost>;
  private readonly selectNewestToUndo: Statement<{ rollout: string; status: string; low: number; high: number }, { wave: number; batch: number }>;
  private readonly selectBatchToUndo: Statement<{ rollout: string; statuses: string; wave: number; batch: number }, ViewRow>;

  constructor(db: Database) {
    this.selectOne = db.prepare(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts r WHERE r.name = ?`);
    this.selectAll = db.prepare(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts r ORDER BY r.created_at DESC, r.name`);
    this.selectDefinition = db.prepare('SELECT spec, spec_path AS specPath, playbook_path AS playbookPath, playbook, playbook_sha256 AS playbookSha256, artifacts FROM rollouts WHERE name = ?');
    this.selectHosts = db.prepare(`SELECT ${HOST_COLUMNS}
      FROM rollout_hosts WHERE rollout = ? ORDER BY wave, batch, position`);
    this.selectHost = db.prepare(`SELECT ${HOST_COLUMNS}
      FROM rollout_hosts WHERE rollout = ? AND hostname = ?`);
    this.selectLocks = db.prepare('SELECT hostname, rollout FROM host_locks');
    this.insertRollout = db.prepare(`INSERT INTO rollouts (name, kind, target, spec, spec_sha256, status, spec_path, playbook_path, playbook, playbook_sha256, artifacts, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertHost = db.prepare('INSERT INTO rollout_hosts (rollout, hostname, wave, batch, position, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // Plain INSERT: a host locked by another rollout makes the whole save fail (and roll back).
    this.insertLock = db.prepare('INSERT INTO host_locks (hostname, rollout, locked_at) VALUES (?, ?, ?)');
    this.updateState = db.prepare('UPDATE rollouts SET status = ?, wave = ?, reason = ?, rollback_wave = ?, updated_at = ? WHERE name = ?');
    this.updateSoak = db.prepare('UPDATE rollouts SET soak_started_at = ? WHERE name = ?');
    this.updateHostState = db.prepare('UPDATE rollout_hosts SET state = ?, updated_at = ? WHERE rollout = ? AND hostname = ?');
    this.updateRegistered = db.prepare('UPDATE rollout_hosts SET registered = ? WHERE rollout = ? AND hostname = ?');
    this.updateBaseline = db.prepare('UPDATE rollout_hosts SET baseline = ? WHERE rollout = ? AND hostname = ?');
    this.insertLockIfFree = db.prepare('INSERT INTO host_locks (hostname, rollout, locked_at) VALUES (?, ?, ?) ON CONFLICT (hostname) DO NOTHING');
    this.selectLock = db.prepare('SELECT rollout FROM host_locks WHERE hostname = ?');
    // Through the status index.
    this.acknowledge = db.prepare(`UPDATE rollout_hosts SET acknowledged = 1 WHERE rollout = ? AND acknowledged = 0
      AND status IN ${FAILED_HOST_STATUSES} AND host_failed = 1`);
    this.deleteLocks = db.prepare('DELETE FROM host_locks WHERE rollout = ?');
    // The runner's bounded view (see RunSnapshot): every query below is an index range
    // (rollout_hosts_status, which holds the hostname: the names are read without the rows) or
    // the small tally table, whatever the rollout's size.
    this.selectTallies = db.prepare(`SELECT wave, status, hosts, unacknowledged_failures AS unacknowledgedFailures
      FROM rollout_tallies WHERE rollout = ? AND hosts > 0 ORDER BY wave, status`);
    this.selectWorkingNames = db.prepare('SELECT hostname FROM rollout_hosts WHERE rollout = ? AND status IN (SELECT value FROM json_each(?))');
    this.selectNamed = db.prepare(`SELECT ${VIEW_COLUMNS} FROM rollout_hosts WHERE rollout = ? AND hostname IN (SELECT value FROM json_each(?))`);
    // Ordered as the status index is (by status, then plan order): ordered by plan order alone,
    // SQLite walked the plan-order index over every host of the rollout (a pause of a million-host
    // rollout took 1.1 s here).
    this.selectWithStatus = db.prepare(`SELECT ${HOST_COLUMNS}
      FROM rollout_hosts WHERE rollout = ? AND status IN (SELECT value FROM json_each(?)) ORDER BY status, wave, batch, position`);
    this.selectPage = db.prepare(`SELECT ${HOST_COLUMNS}
      FROM rollout_hosts WHERE rollout = ? ORDER BY wave, batch, position LIMIT ? OFFSET ?`);
    // Ordered as the status index is (by status, then plan order), so a page of a million succeeded hosts needs no sort.
    this.selectPageWithStatus = db.prepare(`SELECT ${HOST_COLUMNS}
      FROM rollout_hosts WHERE rollout = ? AND status IN (SELECT value FROM json_each(?)) ORDER BY status, wave, batch, position LIMIT ? OFFSET ?`);
    this.selectFailed = db.prepare(`SELECT ${HOST_COLUMNS}
      FROM rollout_hosts WHERE rollout = ? AND status IN ${FAILED_HOST_STATUSES} AND (host_failed = 1 OR status = 'rollback-failed')
      ORDER BY status, wave, batch, position`);
    this.skipAllPending = db.prepare("UPDATE rollout_hosts SET state = :state, updated_at = :at WHERE rollout = :rollout AND status = 'pending'");
    this.selectNamesIn = db.prepare(`SELECT hostname, batch, position FROM rollout_hosts
      WHERE rollout = :rollout AND status = :status AND wave = :wave AND (batch, position) > (:batch, :position)
      ORDER BY batch, position LIMIT :limit`);
    this.selectNextBatch = db.prepare(`SELECT hostname, wave, batch FROM rollout_hosts
      WHERE rollout = :rollout AND status = 'pending' AND wave = :wave
        AND batch = (SELECT min(batch) FROM rollout_hosts WHERE rollout = :rollout AND status = 'pending' AND wave = :wave)
      ORDER BY position, hostname LIMIT :limit`);
    this.selectPending = db.prepare(`SELECT hostname, wave, batch FROM rollout_hosts WHERE rollout = ? AND status = 'pending'
      ORDER BY wave, batch, position, hostname LIMIT ?`);
    this.selectNewestToUndo = db.prepare(`SELECT wave, batch FROM rollout_hosts
      WHERE rollout = :rollout AND status = :status AND wave BETWEEN :low AND :high ORDER BY wave DESC, batch DESC LIMIT 1`);
    this.selectBatchToUndo = db.prepare(`SELECT ${VIEW_COLUMNS} FROM rollout_hosts
      WHERE rollout = :rollout AND status IN (SELECT value FROM json_each(:statuses)) AND wave = :wave AND batch = :batch
      ORDER BY position, hostname`);
  }

  /** The hosts in the given statuses, through the status index: bounded by them, not by the rollout. By status, then in plan order. */
  hostsWithStatus(name: string, statuses: ReadonlyArray<HostState['status']>): RolloutHost[] {
    return this.selectWithStatus.all(name, JSON.stringify(statuses)).map(toRolloutHost);
  }

  /** One page of a rollout's hosts, in plan order; with statuses, those only (grouped by status). Limit -1: no limit. */
  hostPage(name: string, page: { statuses: ReadonlyArray<HostState['status']> | null; limit: number; offset: number }): RolloutHost[] {
    const rows = page.statuses === null ? this.selectPage.all(name, page.limit, page.offset) : this.selectPageWithStatus.all(name, JSON.stringify(page.statuses), page.limit, page.offset);
    return rows.map(toRolloutHost);
  }

  /** Hosts that failed themselves, and hosts whose rollback failed: what a run reports as failed. */
  failedHosts(name: string): RolloutHost[] {
    // Read through the status index, then put in plan order (they are few).
    return inPlanOrder(this.selectFailed.all(name)).map(toRolloutHost);
  }

  /** How many hosts of each wave are in each status, kept by triggers (migration 009). */
  tallies(name: string): RunTally[] {
    return this.selectTallies.all(name);
  }

  /** Moves every pending host to `skipped` (the state given) in one statement (an abort); returns how many. */
  skipPending(name: string, skipped: HostState, at: string): number {
    return this.skipAllPending.run({ rollout: name, state: JSON.stringify(skipped), at }).changes;
  }

  /**
   * The hosts of one wave in one status, a page at a time in plan order, through the status index
   * (the soak checks its succeeded hosts: a wave of 900,000 is never held at once). `after` is the
   * last host of the previous page, null for the first.
   */
  hostnamesIn(name: string, wave: number, status: HostState['status'], after: { batch: number; position: number } | null, limit: number): Array<{ hostname: string; batch: number; position: number }> {
    return this.selectNamesIn.all({ rollout: name, status, wave, batch: after?.batch ?? -1, position: after?.position ?? -1, limit });
  }

  /**
   * What one runner tick decides over, read without touching the rest of the rollout: the tallies,
   * the hosts in flight that this runner's workers do not hold (only their names are read for the
   * others), and what the rollout's state can act on (viewNeeds): the next pending batch of the
   * current wave, a chunk of pending hosts, the newest batch a rollback must visit.
   */
  runView(name: string, at: RunViewRequest): RunView {
    const needs = viewNeeds(at);
    const newest = needs.rollbackBatch ? this.newestToUndo(name, at.rollbackWave) : undefined;
    const idleNames: string[] = [];
    for (const { hostname } of this.selectWorkingNames.iterate(name, JSON.stringify([...WORKING_STATUSES]))) if (!at.held.has(hostname)) idleNames.push(hostname);
    const idle = idleNames.length === 0 ? [] : this.selectNamed.all(name, JSON.stringify(idleNames));
    return {
      tallies: this.selectTallies.all(name),
      idle: inPlanOrder(idle).map(toViewHost),
      nextBatch: needs.nextBatch ? this.selectNextBatch.all({ rollout: name, wave: at.wave, limit: nextBatchLimit(at) }) : [],
      pendingAny: needs.pendingAny ? this.selectPending.all(name, SKIP_CHUNK) : [],
      rollbackBatch: newest ? this.selectBatchToUndo.all({ rollout: name, statuses: JSON.stringify([...ROLLBACK_STATUSES]), ...newest }).map(toViewHost) : [],
    };
  }

  /** The newest (wave, batch) of the rollback's scope (one wave, or all when null) with a host still to undo. */
  private newestToUndo(name: string, rollbackWave: number | null): { wave: number; batch: number } | undefined {
    return [...ROLLBACK_STATUSES]
      .map((status) => this.selectNewestToUndo.get({ rollout: name, status, low: rollbackWave ?? 0, high: rollbackWave ?? Number.MAX_SAFE_INTEGER }))
      .reduce<{ wave: number; batch: number } | undefined>((top, found) => (found && (!top || found.wave > top.wave || (found.wave === top.wave && found.batch > top.batch)) ? found : top), undefined);
  }

  saveState(name: string, state: RolloutState, now: string): void {
    this.updateState.run(state.status, state.wave, state.reason, state.rollbackWave, now, name);
  }

  setSoakStarted(name: string, at: string | null): void {
    this.updateSoak.run(at, name);
  }

  saveHostState(name: string, hostname: string, state: HostState, now: string): void {
    this.updateHostState.run(JSON.stringify(state), now, name, hostname);
  }

  saveRegistered(name: string, hostname: string, registered: Record<string, string>): void {
    this.updateRegistered.run(JSON.stringify(registered), name, hostname);
  }

  saveBaseline(name: string, hostname: string, facts: ProbeFacts): void {
    this.updateBaseline.run(JSON.stringify(facts), name, hostname);
  }

  /** Takes a host's lock for this rollout again (a retried rollback); false when another rollout holds it. */
  relock(name: string, hostname: string, now: string): boolean {
    this.insertLockIfFree.run(hostname, name, now);
    return this.selectLock.get(hostname)?.rollout === name;
  }

  /** An operator resuming a halted rollout has seen its failures: they stop counting against the budget. */
  acknowledgeFailures(name: string): number {
    return this.acknowledge.run(name).changes;
  }

  /** A rollout that reached a terminal state no longer holds its hosts. Returns how many were freed. */
  releaseLocks(name: string): number {
    return this.deleteLocks.run(name).changes;
  }

  find(name: string): StoredRollout | null {
    return this.selectOne.get(name) ?? null;
  }

  definition(name: string): RolloutDefinition | null {
    const row = this.selectDefinition.get(name);
    return row ? { ...row, spec: JSON.parse(row.spec) as RolloutSpec, artifacts: row.artifacts === null ? null : (JSON.parse(row.artifacts) as Record<string, string>) } : null;
  }

  hosts(name: string): RolloutHost[] {
    return this.selectHosts.all(name).map(toRolloutHost);
  }

  /** One host of a rollout: what a host worker reads before every step, without reading the others. */
  host(name: string, hostname: string): RolloutHost | null {
    const row = this.selectHost.get(name, hostname);
    return row ? toRolloutHost(row) : null;
  }

  list(): StoredRollout[] {
    return this.selectAll.all();
  }

  locks(): Map<string, string> {
    return new Map(this.selectLocks.all().map((row) => [row.hostname, row.rollout]));
  }

  /** Saves a planned rollout with every host pending and locked; the caller holds the transaction. */
  create(spec: RolloutSpec, specSha256: string, playbook: PlaybookSnapshot | null, plan: RolloutPlan, now: string): void {
    this.insertRollout.run(
      spec.name,
      spec.kind,
      spec.target,
      JSON.stringify(spec),
      specSha256,
      'planned',
      playbook?.specPath ?? null,
      playbook?.playbookPath ?? null,
      playbook?.text ?? null,
      playbook?.sha256 ?? null,
      playbook ? JSON.stringify(playbook.artifacts) : null,
      now,
      now,
    );
    const pending = JSON.stringify({ status: 'pending' });
    for (const wave of plan.waves) {
      wave.batches.forEach((batch, batchIndex) =>
        batch.forEach((hostname, position) => {
          this.insertHost.run(spec.name, hostname, wave.index, batchIndex, position, pending, now);
          this.insertLock.run(hostname, spec.name, now);
        }),
      );
    }
  }
}
