import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { runCliJson, runCliJsonAsync } from './support/cli.js';
import { CLI, REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

const HOSTS = 20_000;

function writeCsv(file: string, prefix: string, count: number): void {
  const rows = Array.from({ length: count }, (_, index) => `${prefix}-${index},zone-${index % 5},rack-${index % 50}`);
  writeFileSync(file, `hostname,zone,rack\n${rows.join('\n')}\n`);
}

function startImport(file: string, db: string) {
  const child = spawn(process.execPath, [CLI, 'fleet', 'import', file, '--db', db, '--json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

function countRows(db: string): { hosts: number; events: number } {
  const handle = new BetterSqlite3(db);
  const hosts = (handle.prepare('SELECT count(*) AS n FROM hosts').get() as { n: number }).n;
  const events = (handle.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  handle.close();
  return { hosts, events };
}

describe('import durability', () => {
  test('kill -9 at any point leaves all hosts or none, and an audit trail that verifies', async (t) => {
    const dir = tempDir();
    const csv = path.join(dir, 'big.csv');
    writeCsv(csv, 'node', HOSTS);
    // Kill points spread over start-up, parsing, and the write transaction; whichever is hit, the invariant must hold.
    const outcomes = new Set<string>();
    for (const delayMs of [150, 400, 700, 1000, 1400, 1900]) {
      const db = path.join(dir, `killed-${delayMs}.db`);
      const run = startImport(csv, db);
      await sleep(delayMs);
      run.child.kill('SIGKILL');
      await run.exited;
      if (!existsSync(db)) {
        outcomes.add('no database yet');
        continue;
      }
      let counts: { hosts: number; events: number };
      try {
        counts = countRows(db);
      } catch {
        // Killed between creating the file and migrating it: fleetwave must still open it and migrate.
        counts = { hosts: 0, events: 0 };
      }
      assert.ok(counts.hosts === 0 || counts.hosts === HOSTS, `half-written import: ${counts.hosts} hosts after kill at ${delayMs} ms`);
      assert.equal(counts.events, counts.hosts === 0 ? 0 : HOSTS + 1);
      outcomes.add(counts.hosts === 0 ? 'nothing committed' : 'all committed');

      // The next run resumes from whatever the kill left: it completes, and the chain verifies.
      const rerun = runCliJson<{ added: string[]; unchanged: number }>(['fleet', 'import', csv, '--db', db]);
      assert.equal(rerun.code, 0, rerun.stdout);
      assert.equal(rerun.json.result.added.length + rerun.json.result.unchanged, HOSTS);
      const verify = runCliJson<{ ok: boolean }>(['audit', 'verify', '--db', db]);
      assert.equal(verify.code, 0, verify.stdout);
    }
    t.diagnostic(`states the kills left: ${[...outcomes].join(', ')}`);
  });

  test('opening a database another process holds locked waits for it instead of failing', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'locked.db');
    const csv = path.join(dir, 'one.csv');
    writeCsv(csv, 'solo', 3);
    // Another process (here: this one) is mid-write on a file not yet in WAL mode (RESERVED lock).
    const holder = new BetterSqlite3(db);
    holder.exec('CREATE TABLE IF NOT EXISTS early (x); BEGIN IMMEDIATE; INSERT INTO early VALUES (1)');
    const importing = runCliJsonAsync<{ added: string[] }>(['fleet', 'import', csv, '--db', db]);
    await sleep(700);
    holder.exec('COMMIT');
    holder.close();
    const run = await importing;
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.json.result.added.length, 3);
  });

  test('two imports at once are serialized: both land, and the chain stays intact', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'shared.db');
    const first = path.join(dir, 'a.csv');
    const second = path.join(dir, 'b.csv');
    writeCsv(first, 'alpha', 5_000);
    writeCsv(second, 'beta', 5_000);
    const runs = [startImport(first, db), startImport(second, db)];
    const codes = await Promise.all(runs.map((run) => run.exited));
    assert.deepEqual(codes, [0, 0]);
    assert.deepEqual(countRows(db), { hosts: 10_000, events: 10_002 });
    const verify = runCliJson<{ ok: boolean; eventsChecked: number }>(['audit', 'verify', '--db', db]);
    assert.equal(verify.json.result.eventsChecked, 10_002);
  });
});
