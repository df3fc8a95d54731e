import type { Database, Statement } from 'better-sqlite3';
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
  hosts: number;
  createdAt: string;
  updatedAt: string;
}

const ROLLOUT_COLUMNS = `r.name, r.kind, r.target, r.spec_sha256 AS specSha256, r.status, r.wave, r.reason, r.created_at AS createdAt,
  r.updated_at AS updatedAt, (SELECT count(*) FROM rollout_hosts h WHERE h.rollout = r.name) AS hosts`;

export class RolloutRepository {
  private readonly selectOne: Statement<[string], StoredRollout>;
  private readonly selectAll: Statement<[], StoredRollout>;
  private readonly selectLocks: Statement<[], { hostname: string; rollout: string }>;
  private readonly insertRollout: Statement<[string, string, string, string, string, string, string, string]>;
  private readonly insertHost: Statement<[string, string, number, number, number, string, string]>;
  private readonly insertLock: Statement<[string, string, string]>;
  private readonly updateState: Statement<[string, number, string | null, string, string]>;
  private readonly deleteLocks: Statement<[string]>;

  constructor(db: Database) {
    this.selectOne = db.prepare(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts r WHERE r.name = ?`);
    this.selectAll = db.prepare(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts r ORDER BY r.created_at DESC, r.name`);
    this.selectLocks = db.prepare('SELECT hostname, rollout FROM host_locks');
    this.insertRollout = db.prepare(`INSERT INTO rollouts (name, kind, target, spec, spec_sha256, status, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertHost = db.prepare('INSERT INTO rollout_hosts (rollout, hostname, wave, batch, position, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // Plain INSERT: a host locked by another rollout makes the whole save fail (and roll back).
    this.insertLock = db.prepare('INSERT INTO host_locks (hostname, rollout, locked_at) VALUES (?, ?, ?)');
    this.updateState = db.prepare('UPDATE rollouts SET status = ?, wave = ?, reason = ?, updated_at = ? WHERE name = ?');
    this.deleteLocks = db.prepare('DELETE FROM host_locks WHERE rollout = ?');
  }

  saveState(name: string, state: RolloutState, now: string): void {
    this.updateState.run(state.status, state.wave, state.reason, now, name);
  }

  /** A rollout that reached a terminal state no longer holds its hosts. Returns how many were freed. */
  releaseLocks(name: string): number {
    return this.deleteLocks.run(name).changes;
  }

  find(name: string): StoredRollout | null {
    return this.selectOne.get(name) ?? null;
  }

  list(): StoredRollout[] {
    return this.selectAll.all();
  }

  locks(): Map<string, string> {
    return new Map(this.selectLocks.all().map((row) => [row.hostname, row.rollout]));
  }

  /** Saves a planned rollout with every host pending and locked; the caller holds the transaction. */
  create(spec: RolloutSpec, specSha256: string, plan: RolloutPlan, now: string): void {
    this.insertRollout.run(spec.name, spec.kind, spec.target, JSON.stringify(spec), specSha256, 'planned', now, now);
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
