import { accessSync, chmodSync, closeSync, constants, existsSync, openSync } from 'node:fs';
import path from 'node:path';
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
      suggestions: ['Import an inventory first: fleetwave fleet import FILE', 'Or point at an existing database with --db PATH or FLEETWAVE_DB.'],
    });
  }
  if (!exists) {
    const directory = path.dirname(path.resolve(options.path));
    if (!existsSync(directory)) {
      throw new FleetwaveError('DB_NOT_FOUND', `cannot create ${options.path}: the directory ${directory} does not exist`, {
        suggestions: [`Create it first (mkdir -p ${directory}), or point --db (FLEETWAVE_DB) elsewhere.`],
      });
    }
    // Created by us with 0600 before SQLite opens it: the file holds host keys and the audit trail.
    try {
      closeSync(openSync(options.path, 'a', 0o600));
      chmodSync(options.path, 0o600);
    } catch (error) {
      throw storageError(options.path, error);
    }
  }
  let db: Database;
  try {
    db = new BetterSqlite3(options.path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    switchToWal(db);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Every write of a runner's group commit runs in a savepoint, and SQLite keeps the pages a
    // savepoint may have to restore in a sub-journal: by default a temporary file, written once per
    // page per savepoint. In memory a 20,000-host rollout ran 28% faster (710 -> 510 us per host);
    // the sub-journal is freed when the savepoint ends.
    db.pragma('temp_store = MEMORY');
    // A checkpoint copies every page the WAL holds back into the database. A runner dirties a
    // different index page for nearly every host it writes, so with the default (a checkpoint
    // every 1,000 pages, about each group commit) it copied most of each commit twice. At 10,000
    // pages (about 40 MB of WAL) a one-change rollout ran about 5% faster.
    db.pragma('wal_autocheckpoint = 10000');
  } catch (error) {
    if (isReadOnly(error) || !writable(path.dirname(path.resolve(options.path))))
      throw storageError(options.path, Object.assign(new Error(`${(error as Error).message}: its directory is not writable (SQLite keeps its -wal and -shm files there)`), { code: 'EROFS' }));
    throw new FleetwaveError('DB_UNREADABLE', `cannot open ${options.path} as a fleetwave database: ${(error as Error).message}`, {
      suggestions: ['Check that --db points at a SQLite file written by fleetwave.'],
    });
  }
  try {
    migrate(db, loadMigrations(options.migrationsDir ?? MIGRATIONS_DIR));
  } catch (error) {
    db.close();
    throw error instanceof FleetwaveError ? error : storageError(options.path, error);
  }
  return db;
}

function writable(directory: string): boolean {
  try {
    accessSync(directory, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function isReadOnly(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM';
}

/**
 * What the storage itself refused (a read-only file or file system, a full disk, an I/O error)
 * is the user's to fix, never an internal error: a clear code and the path.
 */
export function storageError(file: string, error: unknown): Error {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (isReadOnly(error)) {
    return new FleetwaveError('DB_READ_ONLY', `${file} cannot be written (${message}); nothing was changed`, {
      suggestions: ["Check the file's and its directory's permissions and that the file system is mounted read-write; read-only commands (list, show, status, audit log) still work."],
    });
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return new FleetwaveError('DB_READ_ONLY', `${file}: the disk is full (${message}); nothing was changed`, { suggestions: ['Free some space and run the command again.'] });
  if (code.startsWith('SQLITE_BUSY')) {
    return new FleetwaveError('DB_BUSY', `${file} stayed locked by another process for ${BUSY_TIMEOUT_MS / 1000}s; nothing was changed`, {
      suggestions: ['Another fleetwave command (or a sqlite3 shell) holds a write transaction: let it finish, then run this again.'],
    });
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN')
    return new FleetwaveError('DB_UNREADABLE', `${file}: the storage failed (${message})`, { suggestions: ['Check the disk and the file system.'] });
  return error as Error;
}
