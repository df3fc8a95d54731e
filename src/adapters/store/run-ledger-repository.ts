import type { Database, Statement } from 'better-sqlite3';

export interface RunnerLease {
  rollout: string;
  owner: string;
  pid: number;
  machine: string;
  acquiredAt: string;
  heartbeatAt: string;
  ttlMs: number;
}

export interface LedgerEntry {
  effectId: string;
  hostname: string;
  kind: string;
  status: 'started' | 'done' | 'failed';
  before: Record<string, unknown>;
  result: Record<string, unknown> | null;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
}

/** The runner's lease and its ledger of remote effects (see migration 005). */
export class RunLedgerRepository {
  private readonly selectLease: Statement<[string], RunnerLease>;
  private readonly upsertLease: Statement<[string, string, number, string, string, string, number]>;
  private readonly touchLease: Statement<[string, string, string]>;
  private readonly deleteLease: Statement<[string, string]>;
  private readonly selectEffect: Statement<
    [string, string],
    { effectId: string; hostname: string; kind: string; status: LedgerEntry['status']; before: string; result: string | null; attempts: number; startedAt: string; finishedAt: string | null }
  >;
  private readonly selectHostEffects: Statement<
    [string, string],
    { effectId: string; hostname: string; kind: string; status: LedgerEntry['status']; before: string; result: string | null; attempts: number; startedAt: string; finishedAt: string | null }
  >;
  private readonly upsertEffect: Statement<[string, string, string, string, string, string]>;
  private readonly finishEffect: Statement<[string, string, string, string, string]>;

  constructor(db: Database) {
    const leaseColumns = 'rollout, owner, pid, machine, acquired_at AS acquiredAt, heartbeat_at AS heartbeatAt, ttl_ms AS ttlMs';
    this.selectLease = db.prepare(`SELECT ${leaseColumns} FROM rollout_leases WHERE rollout = ?`);
    this.upsertLease = db.prepare(`INSERT INTO rollout_leases (rollout, owner, pid, machine, acquired_at, heartbeat_at, ttl_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (rollout) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, machine = excluded.machine,
        acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at, ttl_ms = excluded.ttl_ms`);
    this.touchLease = db.prepare('UPDATE rollout_leases SET heartbeat_at = ? WHERE rollout = ? AND owner = ?');
    this.deleteLease = db.prepare('DELETE FROM rollout_leases WHERE rollout = ? AND owner = ?');
    const effectColumns = 'effect_id AS effectId, hostname, kind, status, before, result, attempts, started_at AS startedAt, finished_at AS finishedAt';
    this.selectEffect = db.prepare(`SELECT ${effectColumns} FROM rollout_effects WHERE rollout = ? AND effect_id = ?`);
    this.selectHostEffects = db.prepare(`SELECT ${effectColumns} FROM rollout_effects WHERE rollout = ? AND hostname = ? ORDER BY started_at, effect_id`);
    this.upsertEffect = db.prepare(`INSERT INTO rollout_effects (rollout, effect_id, hostname, kind, status, before, started_at) VALUES (?, ?, ?, ?, 'started', ?, ?)
      ON CONFLICT (rollout, effect_id) DO UPDATE SET status = 'started', before = excluded.before, attempts = attempts + 1,
        started_at = excluded.started_at, finished_at = NULL, result = NULL`);
    this.finishEffect = db.prepare('UPDATE rollout_effects SET status = ?, result = ?, finished_at = ? WHERE rollout = ? AND effect_id = ?');
  }

  lease(rollout: string): RunnerLease | null {
    return this.selectLease.get(rollout) ?? null;
  }

  takeLease(lease: RunnerLease): void {
    this.upsertLease.run(lease.rollout, lease.owner, lease.pid, lease.machine, lease.acquiredAt, lease.heartbeatAt, lease.ttlMs);
  }

  /** False when the lease is no longer this owner's: the runner must stop at once. */
  heartbeat(rollout: string, owner: string, at: string): boolean {
    return this.touchLease.run(at, rollout, owner).changes === 1;
  }

  releaseLease(rollout: string, owner: string): void {
    this.deleteLease.run(rollout, owner);
  }

  effect(rollout: string, effectId: string): LedgerEntry | null {
    const row = this.selectEffect.get(rollout, effectId);
    return row ? toEntry(row) : null;
  }

  effectsOf(rollout: string, hostname: string): LedgerEntry[] {
    return this.selectHostEffects.all(rollout, hostname).map(toEntry);
  }

  start(rollout: string, effect: { effectId: string; hostname: string; kind: string; before: Record<string, unknown> }, at: string): void {
    this.upsertEffect.run(rollout, effect.effectId, effect.hostname, effect.kind, JSON.stringify(effect.before), at);
  }

  finish(rollout: string, effectId: string, status: 'done' | 'failed', result: Record<string, unknown>, at: string): void {
    this.finishEffect.run(status, JSON.stringify(result), at, rollout, effectId);
  }
}

function toEntry(row: {
  effectId: string;
  hostname: string;
  kind: string;
  status: LedgerEntry['status'];
  before: string;
  result: string | null;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
}): LedgerEntry {
  return { ...row, before: JSON.parse(row.before) as Record<string, unknown>, result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>) };
}
