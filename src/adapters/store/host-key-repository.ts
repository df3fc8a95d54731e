import type { Database, Statement } from 'better-sqlite3';
import type { TrustedKey } from '../../ssh/host-key-policy.js';

interface HostKeyRow {
  keyType: string;
  keyBase64: string;
  fingerprint: string;
  pinnedAt: string;
}

export class HostKeyRepository {
  private readonly selectForHost: Statement<[string], HostKeyRow>;
  private readonly insert: Statement<[string, string, string, string, string]>;
  private readonly removeForHost: Statement<[string]>;

  constructor(db: Database) {
    this.selectForHost = db.prepare('SELECT key_type AS keyType, key_base64 AS keyBase64, fingerprint, pinned_at AS pinnedAt FROM host_keys WHERE hostname = ?');
    // No upsert: a changed key must be cleared explicitly by an operator, never replaced silently.
    this.insert = db.prepare('INSERT INTO host_keys (hostname, key_type, key_base64, fingerprint, pinned_at) VALUES (?, ?, ?, ?, ?)');
    this.removeForHost = db.prepare('DELETE FROM host_keys WHERE hostname = ?');
  }

  pinned(hostname: string): TrustedKey[] {
    return this.selectForHost.all(hostname).map((row) => ({ keyType: row.keyType, keyBase64: row.keyBase64, fingerprint: row.fingerprint, source: `fleetwave pin of ${row.pinnedAt}` }));
  }

  pin(hostname: string, key: { keyType: string; keyBase64: string; fingerprint: string }, now: string): void {
    this.insert.run(hostname, key.keyType, key.keyBase64, key.fingerprint, now);
  }

  clear(hostname: string): number {
    return this.removeForHost.run(hostname).changes;
  }
}
