import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { runCliJson } from './support/cli.js';
import { CLI, REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

/**
 * fleetwave deletes only what it made: lab commands on directories, databases and namespaces
 * that are not (or not only) theirs. Real labs (real namespaces and sshd), with a machine registry
 * of their own so that `lab down --all` here never reaches the labs other test files run.
 */
const dir = tempDir('fleetwave-lab-ownership-');
const registry = path.join(dir, 'registry');
const env = { FLEETWAVE_LAB_REGISTRY: registry };
const cli = <T = unknown>(args: string[]) => runCliJson<T>(args, { env });
const namespaces = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean);
const slotNamespaces = (slot: number) => namespaces().filter((name) => name.startsWith(`fwlab${slot}-`));

describe('lab commands touch only what they made', { concurrency: false }, () => {
  after(() => {
    cli(['lab', 'down', '--all', '--lab-dir', path.join(dir, 'none'), '--db', path.join(dir, 'fleet.db')]);
  });

  test('lab up refuses a directory that holds anything else, and leaves it exactly as it was', () => {
    const labDir = path.join(dir, 'busy');
    mkdirSync(labDir);
    writeFileSync(path.join(labDir, 'notes.txt'), 'mine');
    const up = cli(['lab', 'up', '--hosts', '1', '--name', 'busy', '--lab-dir', labDir, '--db', path.join(dir, 'fleet.db')]);
    assert.deepEqual([up.code, up.json.error!.code], [5, 'LAB_DIR_IN_USE']);
    assert.deepEqual(readdirSync(labDir), ['notes.txt']);
    assert.equal(readFileSync(path.join(labDir, 'notes.txt'), 'utf8'), 'mine');
  });

  test('lab down on a directory that holds no lab refuses and deletes nothing', () => {
    const notALab = path.join(dir, 'not-a-lab');
    mkdirSync(notALab);
    writeFileSync(path.join(notALab, 'precious'), 'x');
    const down = cli(['lab', 'down', '--lab-dir', notALab, '--db', path.join(dir, 'fleet.db')]);
    assert.deepEqual([down.code, down.json.error!.code], [4, 'LAB_NOT_FOUND']);
    assert.deepEqual(readdirSync(notALab), ['precious']);
    const all = cli<{ labs: string[] }>(['lab', 'down', '--all', '--lab-dir', notALab, '--db', path.join(dir, 'fleet.db')]);
    assert.equal(all.code, 0, all.stdout);
    assert.deepEqual(readdirSync(notALab), ['precious'], '--all removes recorded labs, never a directory without one');
  });

  test('a bad --db fails lab up before anything is made: no namespace, no directory, no record', () => {
    const before = namespaces();
    const labDir = path.join(dir, 'bad-db', 'lab');
    const up = cli(['lab', 'up', '--hosts', '2', '--name', 'baddb', '--lab-dir', labDir, '--db', path.join(dir, 'no-such-dir', 'fleet.db')]);
    assert.equal(up.code, 4, up.stdout);
    assert.equal(up.json.error!.code, 'DB_NOT_FOUND');
    assert.deepEqual(namespaces(), before);
    assert.equal(existsSync(path.join(dir, 'bad-db')), false);
    assert.equal(existsSync(registry) ? readdirSync(registry).length : 0, 0);
  });

  test('a lab up that fails half way (its inventory import cannot get the database) removes exactly what it made', async () => {
    const db = path.join(dir, 'locked.db');
    assert.equal(cli(['fleet', 'import', path.join(REPO_ROOT, 'playbooks', 'inventory', 'sample-fleet.yaml'), '--db', db]).code, 0);
    const labDir = path.join(dir, 'half', 'lab');
    const child = spawn(process.execPath, [CLI, 'lab', 'up', '--hosts', '3', '--name', 'half', '--lab-dir', labDir, '--db', db, '--json'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Once lab up has recorded what it makes, another writer holds the database past its busy timeout.
    const state = path.join(labDir, 'lab.json');
    while (!existsSync(state)) await new Promise((resolve) => setTimeout(resolve, 10));
    const holder = new BetterSqlite3(db);
    holder.prepare('BEGIN IMMEDIATE').run();
    const slot = (JSON.parse(readFileSync(state, 'utf8')) as { slot: number }).slot;
    const code = await ended;
    holder.prepare('ROLLBACK').run();
    holder.close();
    assert.equal(code, 5, stdout);
    assert.match((JSON.parse(stdout) as { error: { message: string } }).error.message, /could not be set up, and what it made is removed again/);
    assert.deepEqual(slotNamespaces(slot), [], 'no namespace of the half-made lab is left');
    assert.equal(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).includes(`fwlab${slot}:`), false, 'its bridge is gone');
    assert.equal(existsSync(path.join(dir, 'half')), false, 'the directories it made are gone');
    assert.equal(readdirSync(registry).length, 0, 'its machine record is gone');
    const list = cli<{ hosts: unknown[] }>(['fleet', 'list', '--where', 'lab=half', '--db', db]);
    assert.deepEqual(list.json.result.hosts, []);
    assert.equal(cli<{ hosts: unknown[] }>(['fleet', 'list', '--db', db]).json.result.hosts.length, 20, 'the fleet that was there is untouched');
  });

  test('lab down removes what the lab made and keeps what someone else put in its directory; refuses while a rollout holds its hosts', () => {
    const labDir = path.join(dir, 'shared');
    const db = path.join(dir, 'shared.db');
    const up = cli<{ slot: number; rolloutSpec: string }>(['lab', 'up', '--hosts', '2', '--name', 'shared', '--lab-dir', labDir, '--db', db]);
    assert.equal(up.code, 0, up.stdout);
    const { slot } = up.json.result;
    writeFileSync(path.join(labDir, 'my-notes.md'), "not the lab's");
    // A stray namespace named like a lab's, never recorded: --all must leave it alone.
    execFileSync('ip', ['netns', 'add', 'fwlab31-h9']);
    try {
      assert.equal(cli(['fleet', 'probe', 'lab=shared', '--db', db, '--ssh-config', path.join(labDir, 'ssh_config')]).code, 0);
      const planned = cli(['rollout', 'plan', up.json.result.rolloutSpec, '--db', db]);
      assert.equal(planned.code, 0, planned.stdout);
      const refused = cli(['lab', 'down', '--lab-dir', labDir, '--db', db]);
      assert.deepEqual([refused.code, refused.json.error!.code], [5, 'HOSTS_LOCKED']);
      assert.match(refused.json.error!.suggestions.join(' '), /fleetwave rollout abort lab-shared-kernel-/);
      assert.equal(slotNamespaces(slot).length, 2, 'nothing was taken down');
      const name = readFileSync(up.json.result.rolloutSpec, 'utf8').match(/^name: (.*)$/m)![1]!;
      assert.equal(cli(['rollout', 'abort', name, '--reason', 'test', '--db', db]).code, 0);
      const status = cli<{ strayNamespaces: string[] }>(['lab', 'status', '--lab-dir', labDir]);
      assert.ok(status.json.result.strayNamespaces.includes('fwlab31-h9'));
      const down = cli<{ labs: string[]; keptForeign: string[]; hostsRemovedFromInventory: number }>(['lab', 'down', '--all', '--lab-dir', labDir, '--db', db]);
      assert.equal(down.code, 0, down.stdout);
      assert.deepEqual(down.json.result.labs, ['shared']);
      assert.equal(down.json.result.hostsRemovedFromInventory, 2);
      assert.deepEqual(down.json.result.keptForeign, [path.join(labDir, 'my-notes.md')]);
      assert.deepEqual(readdirSync(labDir), ['my-notes.md']);
      assert.deepEqual(slotNamespaces(slot), []);
      assert.ok(namespaces().includes('fwlab31-h9'), 'the stray namespace nobody recorded is still there');
    } finally {
      execFileSync('ip', ['netns', 'del', 'fwlab31-h9']);
    }
  });

  test('a --lab-dir that sshd_config could not carry safely is refused before anything is made', () => {
    const labDir = path.join(dir, 'a lab; touch pwned');
    const up = cli(['lab', 'up', '--hosts', '1', '--name', 'spaced', '--lab-dir', labDir, '--db', path.join(dir, 'fleet.db')]);
    assert.deepEqual([up.code, up.json.error?.code], [2, 'USAGE']);
    assert.equal(existsSync(labDir), false);
  });

  test('a corrupt lab.json is a clear error, and nothing is removed', () => {
    const labDir = path.join(dir, 'corrupt');
    mkdirSync(labDir);
    writeFileSync(path.join(labDir, 'lab.json'), '{"name": "x", "slot": ');
    for (const args of [
      ['lab', 'down'],
      ['lab', 'status'],
      ['lab', 'up', '--hosts', '1', '--name', 'corrupt'],
    ]) {
      const run = cli([...args, '--lab-dir', labDir, '--db', path.join(dir, 'fleet.db')]);
      assert.deepEqual([run.code, run.json.error?.code], [5, 'LAB_STATE_INVALID'], args.join(' '));
    }
    assert.deepEqual(readdirSync(labDir), ['lab.json']);
  });
});
