import assert from 'node:assert/strict';
import { cpSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../src/adapters/store/database.js';
import { openStore } from '../src/adapters/store/store.js';
import { FleetwaveError } from '../src/errors.js';
import { MIGRATIONS_DIR } from '../src/paths.js';
import { loadMigrations } from '../src/adapters/store/migrations.js';
import { tempDir } from './support/temp.js';

const shipped = loadMigrations(MIGRATIONS_DIR);

/** A migrated database next to a private copy of the shipped migrations that a test may extend or edit. */
function databaseWithOwnMigrations(name: string): { dbPath: string; migrations: string; nextMigration: (suffix: string) => string } {
  const dir = tempDir();
  const migrations = path.join(dir, 'migrations');
  cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
  const dbPath = path.join(dir, name);
  openDatabase({ path: dbPath, create: true, migrationsDir: migrations }).close();
  const nextMigration = (suffix: string) => path.join(migrations, `${String(shipped.length + 1).padStart(3, '0')}_${suffix}.sql`);
  return { dbPath, migrations, nextMigration };
}

function isFleetwaveError(code: string) {
  return (error: unknown) => error instanceof FleetwaveError && error.code === code;
}

describe('opening the state file', () => {
  test('an empty database gets every migration, recorded with checksums, and mode 0600', () => {
    const dbPath = path.join(tempDir(), 'fresh.db');
    const db = openDatabase({ path: dbPath, create: true });
    const applied = db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all();
    assert.deepEqual(
      applied,
      shipped.map((migration) => ({ version: migration.version, name: migration.name, checksum: migration.checksum })),
    );
    assert.equal(db.pragma('user_version', { simple: true }), shipped.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    db.close();
    assert.equal(statSync(dbPath).mode & 0o777, 0o600);
  });

  test('read-only callers never create a database', () => {
    const dbPath = path.join(tempDir(), 'missing.db');
    assert.throws(() => openDatabase({ path: dbPath, create: false }), isFleetwaveError('DB_NOT_FOUND'));
    assert.throws(() => statSync(dbPath));
  });

  test('reopening an up-to-date database applies nothing and keeps the data', () => {
    const dbPath = path.join(tempDir(), 'again.db');
    const first = openStore({ path: dbPath, create: true });
    first.write(() => first.events.append([{ subject: 'fleet', action: 'test.kept', details: {} }], { user: 'u', machine: 'm', reason: null }, '2026-01-01T00:00:00.000Z'));
    first.close();
    const second = openStore({ path: dbPath, create: false });
    assert.equal(second.events.head().lastId, 1);
    assert.equal((second.db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n, shipped.length);
    second.close();
  });

  test('an existing database is brought forward by a new migration, in one transaction with its version', () => {
    const { dbPath, migrations, nextMigration } = databaseWithOwnMigrations('old.db');
    writeFileSync(nextMigration('add_notes'), 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT;\n');
    const db = openDatabase({ path: dbPath, create: false, migrationsDir: migrations });
    assert.equal(db.pragma('user_version', { simple: true }), shipped.length + 1);
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE name = 'notes'").all(), [{ name: 'notes' }]);
    db.close();
  });

  test('a failing migration leaves the database at its previous version', () => {
    const { dbPath, migrations, nextMigration } = databaseWithOwnMigrations('old.db');
    writeFileSync(nextMigration('broken'), 'CREATE TABLE half_done (id INTEGER);\nTHIS IS NOT SQL;\n');
    assert.throws(() => openDatabase({ path: dbPath, create: false, migrationsDir: migrations }));
    const raw = new BetterSqlite3(dbPath);
    assert.equal(raw.pragma('user_version', { simple: true }), shipped.length);
    assert.deepEqual(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").all(), []);
    raw.close();
  });

  test('a database from a newer fleetwave is refused with a clear message', () => {
    const dbPath = path.join(tempDir(), 'newer.db');
    openDatabase({ path: dbPath, create: true }).close();
    const raw = new BetterSqlite3(dbPath);
    raw.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, 'from_the_future', 'x', '2030-01-01')").run(shipped.length + 1);
    raw.close();
    assert.throws(
      () => openDatabase({ path: dbPath, create: false }),
      (error: unknown) =>
        isFleetwaveError('SCHEMA_TOO_NEW')(error) &&
        (error as Error).message.includes(`schema version ${shipped.length + 1} (from_the_future), but this fleetwave only knows versions up to ${shipped.length}`),
    );
  });

  test('an applied migration whose file changed is refused', () => {
    const { dbPath, migrations } = databaseWithOwnMigrations('drift.db');
    const first = path.join(migrations, `001_${shipped[0]!.name}.sql`);
    writeFileSync(first, `${shipped[0]!.sql}\n-- edited after release\n`);
    assert.throws(() => openDatabase({ path: dbPath, create: false, migrationsDir: migrations }), isFleetwaveError('SCHEMA_DRIFT'));
  });

  test('a file that is not SQLite is a clear error', () => {
    const dbPath = path.join(tempDir(), 'text.db');
    writeFileSync(dbPath, 'this is a text file, not a database\n'.repeat(200));
    assert.throws(() => openDatabase({ path: dbPath, create: false }), isFleetwaveError('DB_UNREADABLE'));
  });
});

describe('the audit trail in SQLite', () => {
  test('events cannot be updated or deleted through SQL', () => {
    const store = openStore({ path: path.join(tempDir(), 'audit.db'), create: true });
    store.write(() => store.events.append([{ subject: 'fleet', action: 'test.one', details: { a: 1 } }], { user: 'u', machine: 'm', reason: null }, '2026-01-01T00:00:00.000Z'));
    assert.throws(() => store.db.prepare("UPDATE events SET action = 'x'").run(), /append-only/);
    assert.throws(() => store.db.prepare('DELETE FROM events').run(), /append-only/);
    store.close();
  });

  test('append refuses to run outside a transaction, so events always commit with their change', () => {
    const store = openStore({ path: path.join(tempDir(), 'audit.db'), create: true });
    assert.throws(() => store.events.append([{ subject: 'fleet', action: 'x', details: {} }], { user: 'u', machine: 'm', reason: null }, 'now'), /inside a transaction/);
    store.close();
  });

  test('events are found by subject, a host subject through the host index and any other through the subject index', () => {
    const store = openStore({ path: path.join(tempDir(), 'audit.db'), create: true });
    const actor = { user: 'u', machine: 'm', reason: null };
    store.write(() =>
      store.events.append(
        [
          { subject: 'rollout:r1', host: 'web-1', action: 'rollout.host.step', details: {} },
          { subject: 'host:web-1', host: 'web-1', action: 'host.probed', details: {} },
          { subject: 'host:web-2', host: 'web-2', action: 'host.probed', details: {} },
          { subject: 'rollout:r1', action: 'rollout.running', details: {} },
          { subject: 'fleet', action: 'fleet.imported', details: {} },
        ],
        actor,
        '2026-12-02T00:00:00.000Z',
      ),
    );
    const actions = (subject: string) => store.events.query({ subject, limit: 0 }).events.map((event) => `${event.subject} ${event.action}`);
    assert.deepEqual(actions('host:web-1'), ['host:web-1 host.probed'], 'not the rollout event about the same host');
    assert.deepEqual(actions('rollout:r1'), ['rollout:r1 rollout.host.step', 'rollout:r1 rollout.running']);
    assert.deepEqual(actions('fleet'), ['fleet fleet.imported']);
    assert.equal(store.events.query({ subject: 'host:web-2', limit: 1 }).totalMatching, 1);
    // The plans SQLite picks: an index for both kinds of subject, never a scan of the trail.
    const plan = (subject: string) => store.events.plan({ subject, limit: 5 }).join('; ');
    assert.match(plan('host:web-1'), /INDEX events_host/);
    assert.match(plan('rollout:r1'), /INDEX events_subject/);
    assert.doesNotMatch(plan('fleet'), /SCAN events/);
    store.close();
  });

  test('a failed write transaction leaves neither the change nor its events', () => {
    const store = openStore({ path: path.join(tempDir(), 'audit.db'), create: true });
    assert.throws(() =>
      store.write(() => {
        store.events.append([{ subject: 'fleet', action: 'test.rolled-back', details: {} }], { user: 'u', machine: 'm', reason: null }, 'now');
        throw new Error('crash after the append');
      }),
    );
    assert.equal(store.events.head().lastId, 0);
    assert.equal(store.events.query({ limit: 0 }).totalMatching, 0);
    store.close();
  });
});
