import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runCliJson } from './support/cli.js';
import { REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

/** Every user error exits with its documented code and an `error` object under --json: never INTERNAL. */
describe('user errors are never internal errors', () => {
  const dir = tempDir('fleetwave-user-errors-');
  const inventory = path.join(REPO_ROOT, 'playbooks', 'inventory', 'sample-fleet.yaml');

  test('a --db in a directory that does not exist is "not found", naming the directory', () => {
    const run = runCliJson(['fleet', 'import', inventory, '--db', path.join(dir, 'missing', 'fleet.db')]);
    assert.deepEqual([run.code, run.json.error?.code], [4, 'DB_NOT_FOUND']);
    assert.match(run.json.error!.message, /the directory .*missing does not exist/);
  });

  test('a database on a read-only file system: writes are refused with DB_READ_ONLY and change nothing', () => {
    const ro = path.join(dir, 'ro');
    mkdirSync(ro);
    const db = path.join(ro, 'fleet.db');
    assert.equal(runCliJson(['fleet', 'import', inventory, '--db', db]).code, 0);
    execFileSync('mount', ['--bind', ro, ro]);
    try {
      execFileSync('mount', ['-o', 'remount,ro,bind', ro]);
      const run = runCliJson(['fleet', 'import', path.join(REPO_ROOT, 'test', 'fixtures', 'inventories', 'hosts.csv'), '--db', db, '--reason', 'x']);
      assert.deepEqual([run.code, run.json.error?.code], [5, 'DB_READ_ONLY'], run.stdout);
      assert.match(run.json.error!.message, /cannot be written/);
    } finally {
      execFileSync('umount', [ro]);
    }
    assert.equal(runCliJson<{ hosts: unknown[] }>(['fleet', 'list', '--db', db]).json.result.hosts.length, 20, 'nothing changed');
  });

  test('arguments the parser refuses are usage errors (exit 2), with the error object under --json', () => {
    for (const args of [
      ['kernel', 'show', 'abc'],
      ['fleet', 'list', '--bogus'],
      ['rollout', 'status'],
      ['fleet', 'exec', '--concurrency', 'many', '--', 'true'],
    ]) {
      const run = runCliJson([...args, '--db', path.join(dir, 'fleet.db')]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}`);
      assert.equal(run.json.status, 2);
      assert.equal(run.json.error?.code, 'USAGE', args.join(' '));
      assert.ok(run.json.error!.message.length > 0);
    }
  });
});
