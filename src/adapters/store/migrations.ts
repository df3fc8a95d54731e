import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { BugError, FleetwaveError } from '../../errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: number[];
  version: number;
}

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** Reads migrations/NNN_name.sql. Versions must run 1..N without gaps so that order is unambiguous. */
export function loadMigrations(directory: string): Migration[] {
  const migrations = readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = MIGRATION_FILE.exec(file);
      if (!match) throw new BugError(`migration file ${file} is not named NNN_snake_name.sql`);
      const sql = readFileSync(path.join(directory, file), 'utf8');
      return {
        version: Number(match[1]),
        name: match[2]!,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new BugError(`migrations must be numbered 001..N without gaps; found ${migration.version} at position ${index + 1}`);
    }
  });
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Applies pending migrations, each with its version row in one transaction. Refuses a database
 * written by a newer fleetwave, or one whose applied migrations no longer match the files.
 */
export function migrate(db: Database, migrations: readonly Migration[]): MigrationReport {
  const latest = migrations.length;
  const readApplied = (): AppliedRow[] => (hasMigrationsTable(db) ? (db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as AppliedRow[]) : []);

  const alreadyApplied = readApplied();
  checkApplied(alreadyApplied, migrations);
  if (alreadyApplied.length === latest) return { applied: [], version: latest };

  const applied: number[] = [];
  // IMMEDIATE: two processes opening a fresh database must not both run migration 1.
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      checksum TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT`);
    const current = readApplied();
    checkApplied(current, migrations);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
    for (const migration of migrations.slice(current.length)) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, migration.checksum, new Date().toISOString());
      applied.push(migration.version);
    }
    db.pragma(`user_version = ${latest}`);
  }).immediate();
  return { applied, version: latest };
}

function hasMigrationsTable(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
}

function checkApplied(applied: readonly AppliedRow[], migrations: readonly Migration[]): void {
  const newest = applied.at(-1);
  if (newest && newest.version > migrations.length) {
    throw new FleetwaveError('SCHEMA_TOO_NEW', `this database is at schema version ${newest.version} (${newest.name}), but this fleetwave only knows versions up to ${migrations.length}`, {
      suggestions: ['Upgrade fleetwave to the version that last wrote this database; schemas only move forward.'],
    });
  }
  for (const row of applied) {
    const known = migrations[row.version - 1];
    if (!known || known.checksum !== row.checksum) {
      throw new FleetwaveError('SCHEMA_DRIFT', `migration ${String(row.version).padStart(3, '0')}_${row.name} was applied from a different file than the one shipped now`, {
        suggestions: ['Migrations are forward-only: add a new numbered migration instead of editing an applied one.'],
      });
    }
  }
}
