import type { Database, Statement } from 'better-sqlite3';

export interface FleetFreeze {
  reason: string;
  actor: string;
  since: string;
}

/** The fleet-wide freeze: while its one row exists, no rollout dispatches anything. */
export class FreezeRepository {
  private readonly selectFreeze: Statement<[], FleetFreeze>;
  private readonly insertFreeze: Statement<[string, string, string]>;
  private readonly deleteFreeze: Statement<[]>;

  constructor(db: Database) {
    this.selectFreeze = db.prepare('SELECT reason, actor, since FROM fleet_freeze WHERE id = 1');
    this.insertFreeze = db.prepare('INSERT INTO fleet_freeze (id, reason, actor, since) VALUES (1, ?, ?, ?)');
    this.deleteFreeze = db.prepare('DELETE FROM fleet_freeze WHERE id = 1');
  }

  current(): FleetFreeze | null {
    return this.selectFreeze.get() ?? null;
  }

  freeze(freeze: FleetFreeze): void {
    this.insertFreeze.run(freeze.reason, freeze.actor, freeze.since);
  }

  /** True when there was a freeze to lift. */
  unfreeze(): boolean {
    return this.deleteFreeze.run().changes === 1;
  }
}
