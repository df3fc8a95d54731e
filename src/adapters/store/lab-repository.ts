import type { Database, Statement } from 'better-sqlite3';

/** Where each lab's OpenSSH client config lives (migration 012): the lab's hosts are reached through it. */
export class LabRepository {
  private readonly selectAll: Statement<[], { lab: string; sshConfig: string }>;
  private readonly upsert: Statement<[string, string, string]>;
  private readonly remove: Statement<[string]>;

  constructor(db: Database) {
    this.selectAll = db.prepare('SELECT lab, ssh_config AS sshConfig FROM lab_ssh_configs ORDER BY lab');
    this.upsert = db.prepare(
      'INSERT INTO lab_ssh_configs (lab, ssh_config, recorded_at) VALUES (?, ?, ?) ON CONFLICT (lab) DO UPDATE SET ssh_config = excluded.ssh_config, recorded_at = excluded.recorded_at',
    );
    this.remove = db.prepare('DELETE FROM lab_ssh_configs WHERE lab = ?');
  }

  /** Lab name -> its ssh_config path. */
  sshConfigs(): Map<string, string> {
    return new Map(this.selectAll.all().map((row) => [row.lab, row.sshConfig]));
  }

  recordSshConfig(lab: string, sshConfig: string, now: string): void {
    this.upsert.run(lab, sshConfig, now);
  }

  forget(lab: string): void {
    this.remove.run(lab);
  }
}
