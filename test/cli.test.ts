import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { runCli, runCliJson } from './support/cli.js';
import { CLI, INVENTORIES, REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

interface HostJson {
  hostname: string;
  address: string;
  port: number | null;
  zone: string | null;
  rack: string | null;
  cluster: string | null;
  runningKernel: string | null;
  labels: Record<string, string>;
}

function dbFlag(dbPath: string): string[] {
  return ['--db', dbPath];
}

/** Everything an import could touch, as data: equal fingerprints mean an untouched database. */
function fingerprint(dbPath: string): string {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  const content = JSON.stringify({
    hosts: db.prepare('SELECT * FROM hosts ORDER BY hostname').all(),
    events: db.prepare('SELECT * FROM events ORDER BY id').all(),
    head: db.prepare('SELECT * FROM audit_head').all(),
  });
  db.close();
  return content;
}

describe('fleetwave CLI, end to end', () => {
  const dir = tempDir();
  const db = path.join(dir, 'fleet.db');

  before(() => {
    const run = runCliJson(['fleet', 'import', `${INVENTORIES}hosts.csv`, ...dbFlag(db), '--reason', 'initial load']);
    assert.equal(run.code, 0, run.stderr);
  });

  test('import creates the database with mode 0600 and reports what it added', () => {
    assert.equal(statSync(db).mode & 0o777, 0o600);
    const list = runCliJson<{ hosts: HostJson[] }>(['fleet', 'list', ...dbFlag(db)]);
    assert.equal(list.code, 0);
    assert.deepEqual(
      list.json.result.hosts.map((host) => host.hostname),
      ['db-01', 'web-01', 'web-02'],
    );
  });

  test('every supported format imports through the binary', () => {
    const formatsDb = path.join(dir, 'formats.db');
    const expectations: [string, string, number][] = [
      ['hosts.csv', 'csv', 3],
      ['hosts.json', 'json', 2],
      ['hosts.ini', 'ansible-ini', 6],
      ['hosts-ansible.yaml', 'ansible-yaml', 6],
      ['nodes.json', 'kubectl', 2],
    ];
    for (const [file, format, count] of expectations) {
      const run = runCliJson<{ format: string; added: string[] }>(['fleet', 'import', `${INVENTORIES}${file}`, ...dbFlag(formatsDb)]);
      assert.equal(run.code, 0, `${file}: ${run.stdout}`);
      assert.equal(run.json.result.format, format);
      assert.equal(run.json.result.added.length, count, file);
    }
    const kubeNode = runCliJson<{ host: HostJson }>(['fleet', 'show', 'k8s-node-1', ...dbFlag(formatsDb)]);
    assert.equal(kubeNode.json.result.host.runningKernel, '5.15.0-91-generic');
    assert.equal(kubeNode.json.result.host.zone, 'eu-west-1a');
  });

  test('a malformed inventory is rejected with every problem as file:line: field: problem, and the database is untouched', () => {
    const before = fingerprint(db);
    const file = `${INVENTORIES}bad-rows.csv`;
    const human = runCli(['fleet', 'import', file, ...dbFlag(db)]);
    assert.equal(human.code, 3);
    assert.equal(human.stdout, '');
    assert.match(human.stderr, /^Error \[INVENTORY_INVALID\]/);
    assert.ok(human.stderr.includes(`${file}:3: hostname:`), human.stderr);
    assert.ok(human.stderr.includes(`${file}:4: port: must be 1-65535`), human.stderr);
    assert.ok(human.stderr.includes(`${file}:5: hostname: good-01 is listed twice (first at line 2)`), human.stderr);
    assert.doesNotMatch(human.stderr, /at .*\.js:\d+/, 'no stack trace for a user error');

    const machine = runCliJson(['fleet', 'import', file, ...dbFlag(db)]);
    assert.equal(machine.code, 3);
    assert.equal(machine.json.status, 3);
    assert.equal(machine.json.error!.code, 'INVENTORY_INVALID');
    const problems = (machine.json.error!.details as { problems: { line: number; field: string }[] }).problems;
    assert.deepEqual(
      problems.map((problem) => [problem.line, problem.field]),
      [
        [3, 'hostname'],
        [4, 'port'],
        [5, 'hostname'],
      ],
    );
    assert.equal(fingerprint(db), before);
  });

  for (const bad of ['bad-syntax.yaml', 'bad-fields.yaml', 'bad.ini']) {
    test(`${bad} is rejected and changes nothing`, () => {
      const before = fingerprint(db);
      const run = runCliJson(['fleet', 'import', `${INVENTORIES}${bad}`, ...dbFlag(db)]);
      assert.equal(run.code, 3);
      assert.equal(run.json.error!.code, 'INVENTORY_INVALID');
      assert.equal(fingerprint(db), before);
    });
  }

  test('a missing inventory file is a clear error', () => {
    const run = runCliJson(['fleet', 'import', path.join(dir, 'nope.csv'), ...dbFlag(db)]);
    assert.equal(run.code, 3);
    assert.equal(run.json.error!.code, 'INVENTORY_UNREADABLE');
    assert.match(run.json.error!.message, /ENOENT/);
  });

  test('--dry-run reports changes and removals without writing; the real run then applies them', () => {
    const next = path.join(dir, 'next.csv');
    writeFileSync(next, 'hostname,address,zone,rack\nweb-01,127.1.0.1,a,r1\nweb-03,127.1.0.5,c,r1\n');
    const before = fingerprint(db);
    const dry = runCliJson<{ dryRun: boolean; added: string[]; changed: { hostname: string; changes: { field: string }[] }[]; removed: string[] }>([
      'fleet',
      'import',
      next,
      '--prune',
      '--dry-run',
      ...dbFlag(db),
    ]);
    assert.equal(dry.code, 0);
    assert.equal(dry.json.result.dryRun, true);
    assert.deepEqual(dry.json.result.added, ['web-03']);
    assert.deepEqual(dry.json.result.removed, ['db-01', 'web-02']);
    assert.deepEqual(
      dry.json.result.changed.map((change) => [change.hostname, change.changes.map((item) => item.field)]),
      [['web-01', ['port', 'user', 'cluster', 'labels']]],
    );
    assert.equal(fingerprint(db), before);

    const humanDry = runCli(['fleet', 'import', next, '--prune', '--dry-run', ...dbFlag(db)]);
    assert.match(humanDry.stdout, /dry run, nothing written/);

    const pruneDb = path.join(dir, 'prune.db');
    runCliJson(['fleet', 'import', `${INVENTORIES}hosts.csv`, ...dbFlag(pruneDb)]);
    const real = runCliJson<{ removed: string[] }>(['fleet', 'import', next, '--prune', ...dbFlag(pruneDb), '--reason', 'decommission']);
    assert.deepEqual(real.json.result.removed, ['db-01', 'web-02']);
    const remaining = runCliJson<{ hosts: HostJson[] }>(['fleet', 'list', ...dbFlag(pruneDb)]);
    assert.deepEqual(
      remaining.json.result.hosts.map((host) => host.hostname),
      ['web-01', 'web-03'],
    );
    const removal = runCliJson<{ events: { action: string; reason: string }[] }>(['audit', 'log', '--host', 'db-01', ...dbFlag(pruneDb)]);
    assert.deepEqual(
      removal.json.result.events.map((event) => [event.action, event.reason]),
      [
        ['host.added', null],
        ['host.removed', 'decommission'],
      ],
    );
  });

  test('--dry-run against a database that does not exist yet creates nothing', () => {
    const absent = path.join(dir, 'absent.db');
    const run = runCliJson<{ added: string[] }>(['fleet', 'import', `${INVENTORIES}hosts.json`, '--dry-run', ...dbFlag(absent)]);
    assert.equal(run.code, 0);
    assert.equal(run.json.result.added.length, 2);
    assert.throws(() => statSync(absent));
  });

  test('re-importing the same file changes nothing and says so', () => {
    const run = runCliJson<{ added: string[]; changed: unknown[]; unchanged: number }>(['fleet', 'import', `${INVENTORIES}hosts.csv`, ...dbFlag(db)]);
    assert.deepEqual([run.json.result.added.length, run.json.result.changed.length, run.json.result.unchanged], [0, 0, 3]);
  });

  test('list --where uses the selector language; a bad selector exits 3 with the column', () => {
    const run = runCliJson<{ hosts: HostJson[] }>(['fleet', 'list', '--where', 'zone=a,role=web,rack!=r2', ...dbFlag(db)]);
    assert.deepEqual(
      run.json.result.hosts.map((host) => host.hostname),
      ['web-01'],
    );
    const bad = runCli(['fleet', 'list', '-w', 'zone=a,,x', ...dbFlag(db)]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /SELECTOR_INVALID.*column 8/);
    const table = runCli(['fleet', 'list', '-w', 'owner=bob', ...dbFlag(db)]);
    assert.match(table.stdout, /^HOSTNAME\s+ADDRESS/);
    assert.match(table.stdout, /db-01\s+127\.1\.0\.3:2222/);
  });

  test('show prints one host with its events; an unknown host exits 4', () => {
    const run = runCliJson<{ host: HostJson; recentEvents: { action: string }[] }>(['fleet', 'show', 'web-01', ...dbFlag(db)]);
    assert.equal(run.json.result.host.rack, 'r1');
    assert.deepEqual(
      run.json.result.recentEvents.map((event) => event.action),
      ['host.added'],
    );
    const missing = runCliJson(['fleet', 'show', 'nope', ...dbFlag(db)]);
    assert.equal(missing.code, 4);
    assert.equal(missing.json.error!.code, 'HOST_NOT_FOUND');
  });

  test('summary counts kernel x CNI, grouped by a failure domain', () => {
    const run = runCliJson<{ total: number; groups: { key: string; total: number }[] }>(['fleet', 'summary', '--by', 'zone', ...dbFlag(db)]);
    assert.equal(run.json.result.total, 3);
    assert.deepEqual(
      run.json.result.groups.map((group) => [group.key, group.total]),
      [
        ['a', 2],
        ['b', 1],
      ],
    );
    const human = runCli(['fleet', 'summary', ...dbFlag(db)]);
    assert.match(human.stdout, /KERNEL\s+UNKNOWN\s+TOTAL/);
    assert.match(human.stdout, /3 hosts in total/);
  });

  test('audit log filters by host and action, and exports NDJSON', () => {
    const byAction = runCliJson<{ events: { action: string; reason: string | null; actorUser: string }[]; totalMatching: number }>(['audit', 'log', '--action', 'fleet.*', ...dbFlag(db)]);
    assert.ok(byAction.json.result.events.length >= 1);
    assert.ok(byAction.json.result.events.every((event) => event.action === 'fleet.imported'));
    assert.equal(byAction.json.result.events[0]!.reason, 'initial load');
    assert.ok(byAction.json.result.events[0]!.actorUser.length > 0);

    const ndjson = runCli(['audit', 'log', '--ndjson', '--host', 'web-01', ...dbFlag(db)]);
    assert.equal(ndjson.code, 0);
    const lines = ndjson.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { host: string; hash: string });
    assert.ok(lines.length >= 1);
    assert.ok(lines.every((event) => event.host === 'web-01' && /^[0-9a-f]{64}$/.test(event.hash)));

    const future = runCliJson<{ events: unknown[] }>(['audit', 'log', '--since', '2999-01-01', ...dbFlag(db)]);
    assert.deepEqual(future.json.result.events, []);
    const badTime = runCli(['audit', 'log', '--since', 'yesterday', ...dbFlag(db)]);
    assert.equal(badTime.code, 3);
  });

  test("audit verify passes, then catches a row edited behind fleetwave's back (exit 6)", () => {
    const tampered = path.join(dir, 'tampered.db');
    runCliJson(['fleet', 'import', `${INVENTORIES}hosts.csv`, ...dbFlag(tampered)]);
    const ok = runCliJson<{ ok: boolean; eventsChecked: number }>(['audit', 'verify', ...dbFlag(tampered)]);
    assert.equal(ok.code, 0);
    assert.equal(ok.json.result.ok, true);
    assert.equal(ok.json.result.eventsChecked, 4);

    // An attacker with raw file access drops the guard trigger and rewrites who did it.
    const raw = new BetterSqlite3(tampered);
    raw.exec('DROP TRIGGER events_no_update');
    raw.prepare("UPDATE events SET actor_user = 'someone-else' WHERE id = 3").run();
    raw.close();

    const broken = runCliJson(['audit', 'verify', ...dbFlag(tampered)]);
    assert.equal(broken.code, 6);
    assert.equal(broken.json.error!.code, 'AUDIT_CHAIN_BROKEN');
    const details = broken.json.error!.details as { problems: { eventId: number }[] };
    assert.equal(details.problems[0]!.eventId, 3);
    const human = runCli(['audit', 'verify', ...dbFlag(tampered)]);
    assert.equal(human.code, 6);
    assert.match(human.stderr, /event 3: its content does not match its hash/);
  });

  test('read commands never create a database: a mistyped --db exits 4', () => {
    const missing = path.join(dir, 'typo.db');
    const run = runCliJson(['fleet', 'list', ...dbFlag(missing)]);
    assert.equal(run.code, 4);
    assert.equal(run.json.error!.code, 'DB_NOT_FOUND');
    assert.throws(() => statSync(missing));
  });

  test('FLEETWAVE_DB selects the database like --db', () => {
    const run = runCliJson<{ hosts: HostJson[] }>(['fleet', 'list'], { env: { FLEETWAVE_DB: db } });
    assert.equal(run.json.result.hosts.length, 3);
  });

  test('usage errors exit 2 with a JSON envelope under --json', () => {
    const unknownFlag = runCliJson(['fleet', 'list', '--bogus', ...dbFlag(db)]);
    assert.equal(unknownFlag.code, 2);
    assert.equal(unknownFlag.json.error!.code, 'USAGE');
    const badOption = runCli(['fleet', 'summary', '--by', 'planet', ...dbFlag(db)]);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /Expected --by=planet to be one of: cluster, zone, rack/);
    const missingArg = runCli(['fleet', 'import', ...dbFlag(db)]);
    assert.equal(missingArg.code, 2);
  });

  test('the command manifest matches the built command modules, and every command has examples and --json', () => {
    // oclif finds commands through oclif.manifest.json (written by the build): a stale one would hide a command.
    const commandsDir = path.join(REPO_ROOT, 'dist', 'src', 'commands');
    const modules = readdirSync(commandsDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.slice(0, -'.js'.length).split(path.sep).join(':'))
      .sort();
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { examples?: unknown[]; flags: Record<string, unknown> }>;
    };
    assert.deepEqual(Object.keys(manifest.commands).sort(), modules);
    for (const [id, command] of Object.entries(manifest.commands)) {
      assert.ok((command.examples ?? []).length > 0, `${id} has examples`);
      assert.ok('json' in command.flags, `${id} has --json`);
    }
  });

  test('--help prints examples and the flags', () => {
    for (const command of [
      ['fleet', 'import'],
      ['fleet', 'list'],
      ['fleet', 'show'],
      ['fleet', 'summary'],
      ['audit', 'log'],
      ['audit', 'verify'],
    ]) {
      const run = runCli([...command, '--help']);
      assert.equal(run.code, 0, command.join(' '));
      assert.match(run.stdout, /EXAMPLES/, command.join(' '));
      assert.match(run.stdout, /--json/, command.join(' '));
    }
  });

  test('output piped into a reader that closes early does not crash', () => {
    const bigDb = path.join(dir, 'big.db');
    const csv = path.join(dir, 'big.csv');
    // ~600 KB of table output: far more than a pipe buffer, so the writer sees EPIPE.
    writeFileSync(csv, `hostname,labels\n${Array.from({ length: 10_000 }, (_, index) => `h-${index},team=network;tier=edge`).join('\n')}\n`);
    runCliJson(['fleet', 'import', csv, ...dbFlag(bigDb)]);
    const script = `"${process.execPath}" "${CLI}" fleet list --db "${bigDb}" 2>"${dir}/epipe.err" | head -n 2; echo "fleetwave-exit:\${PIPESTATUS[0]}"`;
    const output = execFileSync('/bin/bash', ['-c', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.match(output, /^HOSTNAME/);
    assert.match(output, /fleetwave-exit:0/);
    assert.equal(readFileSync(`${dir}/epipe.err`, 'utf8'), '');
  });
});
