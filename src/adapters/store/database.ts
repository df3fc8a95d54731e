import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { FleetwaveError } from '../../errors.js';
import { MIGRATIONS_DIR } from '../../paths.js';
import { loadMigrations, migrate } from './migrations.js';

export interface OpenDatabaseOptions {
  path: string;
  /** Read-only commands pass false: a mistyped --db must not silently create an empty fleet. */
  create: boolean;
  migrationsDir?: string;
}

const BUSY_TIMEOUT_MS = 10_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Switching a file to WAL needs an exclusive lock, and SQLite answers BUSY at once, without the
 * busy handler, when another connection holds a write lock (deadlock avoidance): exactly what two
 * processes opening a fresh database at the same moment do to each other. Retry within the
 * same deadline the busy handler would have used.
 */
function switchToWal(db: Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      sleepSync(20);
    }
  }
}

/** Opens the state file with the durability settings every fleetwave process relies on, then migrates it. */
export function openDatabase(options: OpenDatabaseOptions): Database {
  const exists = existsSync(options.path);
  if (!exists && !options.create) {
    throw new FleetwaveError('DB_NOT_FOUND', `no fleetwave database at ${options.path}`, {
      suggestions: [
        'Import an inventory first: fleetwave fleet import FILE',
        'Or point at an existing database with --db PATH or FLEETWAVE_DB.',
      ],
    });
  }
  if (!exists) {
    // Created by us with 0600 before SQLite opens it: the file holds host keys and the audit trail.
    closeSync(openSync(options.path, 'a', 0o600));
    chmodSync(options.path, 0o600);
  }
  let db: Database;
  try {
    db = new BetterSqlite3(options.path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    switchToWal(db);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    throw new FleetwaveError('DB_UNREADABLE', `cannot open ${options.path} as a fleetwave database: ${(error as Error).message}`, {
      suggestions: ['Check that --db points at a SQLite file written by fleetwave.'],
    });
  }
  try {
    migrate(db, loadMigrations(options.migrationsDir ?? MIGRATIONS_DIR));
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
