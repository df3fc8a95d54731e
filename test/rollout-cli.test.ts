import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { runCli, runCliJson, runCliJsonAsync } from './support/cli.js';
import { REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

describe('rollout plan and rollout schema, end to end', () => {
  const dir = tempDir();
  // The imported sample fleet; each test works on a copy of its own, so none sees another's rollouts.
  const template = path.join(dir, 'template.db');
  let copies = 0;
  const freshDb = () => {
    const db = path.join(dir, `fleet-${(copies += 1)}.db`);
    copyFileSync(template, db);
    return db;
  };
  /** A fresh copy with the shipped example planned and saved (reason CHG-1): its 12 hosts locked. */
  const plannedDb = () => {
    const db = freshDb();
    assert.equal(runCliJson(['rollout', 'plan', copy, '--db', db, '--reason', 'CHG-1']).code, 0);
    return db;
  };
  /** Another kernel rollout over zone eu-1a, four of the example's hosts. */
  const otherSpec = () => {
    const other = path.join(dir, 'other.yaml');
    writeFileSync(other, 'name: other-kernel\nkind: kernel\ntarget: 5.15.0-300\nplaybook: p\nselector: zone=eu-1a\n');
    return other;
  };
  const example = path.join(REPO_ROOT, 'playbooks', 'rollouts', 'kernel-5.15-netkit.yaml');
  const copy = path.join(dir, 'kernels', 'example.yaml');

  before(() => {
    assert.equal(runCliJson(['fleet', 'import', path.join(REPO_ROOT, 'playbooks', 'inventory', 'sample-fleet.yaml'), '--db', template]).code, 0);
    // `playbook: p` in the specs below is found next to them.
    writeFileSync(path.join(dir, 'p.yaml'), 'name: p\nsteps:\n  - run: "true"\n');
    // The example's package is pinned when it is saved, so it must exist: a copy next to a stand-in file.
    mkdirSync(path.dirname(copy), { recursive: true });
    writeFileSync(path.join(dir, 'kernels', 'k.deb'), 'stand-in package (never installed by this test)');
    writeFileSync(copy, readFileSync(example, 'utf8').replace(/package: .*/, 'package: k.deb'));
  });

  test('--dry-run shows the plan and saves nothing', () => {
    const db = freshDb();
    const run = runCliJson<{ saved: boolean; plan: { hostCount: number } }>(['rollout', 'plan', example, '--dry-run', '--db', db]);
    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual([run.json.result.saved, run.json.result.plan.hostCount], [false, 12]);
    assert.deepEqual(runCliJson<{ rollouts: unknown[] }>(['rollout', 'list', '--db', db]).json.result.rollouts, []);
    assert.match(runCli(['rollout', 'plan', example, '--dry-run', '--db', db]).stdout, /Not saved/);
  });

  test('the shipped example plans the selected cluster, canaries first, one host per rack in flight, and is saved with its hosts locked', () => {
    const db = freshDb();
    const run = runCliJson<{ saved: boolean; selected: number; plan: { hostCount: number; waves: { canary: boolean; batches: string[][] }[] } }>([
      'rollout',
      'plan',
      copy,
      '--db',
      db,
      '--reason',
      'CHG-1',
    ]);
    assert.equal(run.code, 0, run.stdout);
    const { plan } = run.json.result;
    assert.equal(run.json.result.saved, true);
    assert.equal(run.json.result.selected, 12);
    assert.equal(plan.waves[0]!.canary, true);
    assert.equal(plan.waves[0]!.batches.flat().length, 2);
    const planned = plan.waves.flatMap((wave) => wave.batches.flat());
    assert.equal(new Set(planned).size, 12);
    assert.ok(planned.every((hostname) => hostname.startsWith('eu-')));
    for (const batch of plan.waves.flatMap((wave) => wave.batches)) {
      const racks = batch.map((hostname) => hostname.split('-n')[0]);
      assert.equal(new Set(racks).size, racks.length);
    }
    const list = runCliJson<{ rollouts: { name: string; status: string; hosts: number }[] }>(['rollout', 'list', '--db', db]);
    assert.deepEqual(
      list.json.result.rollouts.map((rollout) => [rollout.name, rollout.status, rollout.hosts]),
      [['kernel-515-netkit', 'planned', 12]],
    );
    const events = runCliJson<{ events: { action: string; reason: string; subject: string }[] }>(['audit', 'log', '--action', 'rollout.*', '--db', db]);
    assert.deepEqual(
      events.json.result.events.map((event) => [event.subject, event.action, event.reason]),
      [['rollout:kernel-515-netkit', 'rollout.planned', 'CHG-1']],
    );
  });

  test('a saved rollout is never replaced: the same spec again, or a changed spec under its name, exits 5', () => {
    const db = plannedDb();
    const again = runCliJson(['rollout', 'plan', copy, '--db', db]);
    assert.equal(again.code, 5);
    assert.match(again.json.error!.message, /already planned/);
    const changed = path.join(dir, 'changed.yaml');
    writeFileSync(changed, readFileSync(copy, 'utf8').replace('canary: 2', 'canary: 3'));
    const refused = runCliJson(['rollout', 'plan', changed, '--db', db]);
    assert.equal(refused.code, 5);
    assert.match(refused.json.error!.message, /exists with a different spec/);
  });

  test('hosts locked by one rollout are excluded from another, with the reason', () => {
    const db = plannedDb();
    const other = otherSpec();
    const dry = runCliJson<{ plan: { excluded: { hostname: string; reason: string }[] } }>(['rollout', 'plan', other, '--dry-run', '--db', db]);
    assert.equal(dry.json.result.plan.excluded.length, 4);
    assert.ok(dry.json.result.plan.excluded.every((entry) => entry.reason === 'locked by rollout kernel-515-netkit'));
    const saved = runCliJson(['rollout', 'plan', other, '--db', db]);
    assert.equal(saved.code, 4, 'nothing left to roll out');
    assert.equal(saved.json.error!.code, 'NO_HOSTS_SELECTED');
  });

  test('abort cancels a planned rollout, is audited with its reason, and frees its hosts for another rollout', () => {
    const db = plannedDb();
    const noReason = runCli(['rollout', 'abort', 'kernel-515-netkit', '--db', db]);
    assert.equal(noReason.code, 2, 'a reason is required');
    const aborted = runCliJson<{ from: string; to: string; locksReleased: number }>(['rollout', 'abort', 'kernel-515-netkit', '--reason', 'wrong target', '--db', db]);
    assert.equal(aborted.code, 0, aborted.stdout);
    assert.deepEqual([aborted.json.result.from, aborted.json.result.to, aborted.json.result.locksReleased], ['planned', 'aborted', 12]);
    const again = runCliJson(['rollout', 'abort', 'kernel-515-netkit', '--reason', 'twice', '--db', db]);
    assert.equal(again.code, 5);
    assert.equal(again.json.error!.code, 'ROLLOUT_STATE');
    assert.equal(runCliJson(['rollout', 'abort', 'no-such-rollout', '--reason', 'x', '--db', db]).code, 4);
    const events = runCliJson<{ events: { action: string; reason: string }[] }>(['audit', 'log', '--action', 'rollout.aborted', '--db', db]);
    assert.deepEqual(
      events.json.result.events.map((event) => event.reason),
      ['wrong target'],
    );
    const other = otherSpec();
    const replanned = runCliJson<{ saved: boolean; plan: { hostCount: number } }>(['rollout', 'plan', other, '--db', db]);
    assert.deepEqual([replanned.code, replanned.json.result.saved, replanned.json.result.plan.hostCount], [0, true, 4]);
  });

  test('two plans saved at the same time over the same hosts: one gets them, the other none', async () => {
    const raceDb = path.join(dir, 'race.db');
    assert.equal(runCliJson(['fleet', 'import', path.join(REPO_ROOT, 'playbooks', 'inventory', 'sample-fleet.yaml'), '--db', raceDb]).code, 0);
    const specs = ['race-a', 'race-b'].map((name) => {
      const file = path.join(dir, `${name}.yaml`);
      writeFileSync(file, `name: ${name}\nkind: kernel\ntarget: 5.15.0-300\nplaybook: p\nselector: cluster=prod-us\n`);
      return file;
    });
    const runs = await Promise.all(specs.map((file) => runCliJsonAsync(['rollout', 'plan', file, '--db', raceDb])));
    assert.deepEqual(runs.map((run) => run.code).sort(), [0, 4]);
    const list = runCliJson<{ rollouts: { name: string; hosts: number }[] }>(['rollout', 'list', '--db', raceDb]);
    assert.equal(list.json.result.rollouts.length, 1);
    assert.equal(list.json.result.rollouts[0]!.hosts, 8);
  });

  test('an invalid spec lists every problem with its line and exits 3', () => {
    const db = freshDb();
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: Bad_Name\nkind: kernel\ntarget: x\nplaybook: p\nwaves: [0]\nsoak: 10 minutes\nextra: 1\n');
    const run = runCliJson(['rollout', 'plan', bad, '--db', db]);
    assert.equal(run.code, 3);
    assert.equal(run.json.error!.code, 'SPEC_INVALID');
    const problems = (run.json.error!.details as { problems: { line: number; field: string }[] }).problems;
    assert.deepEqual(
      problems.map((problem) => [problem.line, problem.field]),
      [
        [1, 'name'],
        [5, 'waves.0'],
        [6, 'soak'],
        [7, 'extra'],
      ],
    );
  });

  test('a canary the plan cannot use makes the run exit 3 with the reason', () => {
    const db = freshDb();
    const spec = path.join(dir, 'canary.yaml');
    writeFileSync(spec, 'name: c1\nkind: kernel\ntarget: 5.15.0-200\nplaybook: p\nselector: cluster=prod-eu\ncanary: [us-2a-r1-n1]\n');
    const run = runCliJson<{ plan: { problems: string[] } }>(['rollout', 'plan', spec, '--db', db]);
    assert.equal(run.code, 3);
    assert.match(run.json.result.plan.problems[0]!, /canary us-2a-r1-n1 is not among the hosts this rollout would change \(not selected\)/);
  });

  test('rollout schema prints a JSON Schema generated from the spec schema', () => {
    const run = runCli(['rollout', 'schema']);
    assert.equal(run.code, 0);
    // One branch per rollout kind: `kind` picks it, and the kind types `target` and defaults `playbook`.
    const schema = JSON.parse(run.stdout) as { oneOf: Array<{ properties: Record<string, { const?: string; enum?: string[]; pattern?: string; default?: string }>; required: string[] }> };
    assert.deepEqual(
      schema.oneOf.map((branch) => branch.properties.kind!.const),
      ['kernel', 'cni'],
    );
    for (const branch of schema.oneOf) {
      assert.ok(['name', 'kind', 'target', 'waves', 'canary', 'spread', 'failureBudget', 'maintenanceWindows'].every((key) => key in branch.properties));
      assert.deepEqual([...branch.required].sort(), ['kind', 'name', 'target']);
    }
    assert.deepEqual(schema.oneOf[1]!.properties.target!.enum, ['netkit', 'veth']);
    assert.deepEqual(
      schema.oneOf.map((branch) => branch.properties.playbook!.default),
      ['kernel-upgrade', 'cni-netkit'],
    );
  });
});

describe('hosts held by a rollout', () => {
  const dir = tempDir();
  const db = path.join(dir, 'fleet.db');

  test('import --prune refuses to remove hosts an active rollout holds, and changes nothing', () => {
    const inventory = path.join(dir, 'fleet.csv');
    writeFileSync(inventory, 'hostname,address,zone,rack\nweb-1,10.0.0.1,a,r1\nweb-2,10.0.0.2,a,r2\n');
    assert.equal(runCliJson(['fleet', 'import', inventory, '--db', db]).code, 0);
    writeFileSync(path.join(dir, 'p.yaml'), 'name: p\nsteps:\n  - run: "true"\n');
    const spec = path.join(dir, 'held.yaml');
    writeFileSync(spec, 'name: held\nkind: kernel\ntarget: 5.15.0-300\nplaybook: p\nselector: hostname=web-2\ncanary: 0\n');
    assert.equal(runCliJson(['rollout', 'plan', spec, '--db', db]).code, 0);
    writeFileSync(inventory, 'hostname,address,zone,rack\nweb-1,10.0.0.1,a,r1\n');
    const pruned = runCliJson(['fleet', 'import', inventory, '--prune', '--db', db]);
    assert.equal(pruned.code, 5, pruned.stdout);
    assert.equal(pruned.json.error!.code, 'HOSTS_LOCKED');
    assert.match(pruned.json.error!.message, /web-2: held/);
    assert.deepEqual(
      runCliJson<{ hosts: { hostname: string }[] }>(['fleet', 'list', '--db', db]).json.result.hosts.map((host) => host.hostname),
      ['web-1', 'web-2'],
    );
    assert.equal(runCliJson(['rollout', 'abort', 'held', '--reason', 'not needed', '--db', db]).code, 0);
    assert.equal(runCliJson(['fleet', 'import', inventory, '--prune', '--db', db]).code, 0, 'once the rollout ends, the host can go');
  });
});

describe('rollout run refuses what it must not run', () => {
  const dir = tempDir();
  const db = path.join(dir, 'fleet.db');

  test('a spec or playbook changed since planning is refused (exit 5), and an unknown rollout is not found (exit 4)', () => {
    const inventory = path.join(dir, 'fleet.csv');
    writeFileSync(inventory, 'hostname,address\nweb-1,10.0.0.1\n');
    assert.equal(runCliJson(['fleet', 'import', inventory, '--db', db]).code, 0);
    const playbook = path.join(dir, 'p.yaml');
    writeFileSync(playbook, 'name: p\nsteps:\n  - run: "true"\n');
    const spec = path.join(dir, 'r.yaml');
    writeFileSync(spec, 'name: r\nkind: kernel\ntarget: 5.15.0-300\nplaybook: p\ncanary: 0\n');
    assert.equal(runCliJson(['rollout', 'plan', spec, '--db', db]).code, 0);
    writeFileSync(playbook, 'name: p\nsteps:\n  - run: "reboot"\n');
    const playbookChanged = runCliJson(['rollout', 'run', 'r', '--db', db]);
    assert.deepEqual([playbookChanged.code, playbookChanged.json.error!.code], [5, 'SPEC_CHANGED']);
    writeFileSync(playbook, 'name: p\nsteps:\n  - run: "true"\n');
    writeFileSync(spec, 'name: r\nkind: kernel\ntarget: 5.15.0-301\nplaybook: p\ncanary: 0\n');
    const specChanged = runCliJson(['rollout', 'run', 'r', '--db', db]);
    assert.deepEqual([specChanged.code, specChanged.json.error!.code], [5, 'SPEC_CHANGED']);
    assert.match(specChanged.json.error!.message, /changed since rollout r was planned/);
    assert.equal(runCliJson(['rollout', 'run', 'nope', '--db', db]).code, 4);
    const events = runCliJson<{ events: { action: string }[] }>(['audit', 'log', '--action', 'rollout.runner-*', '--db', db]);
    assert.deepEqual(events.json.result.events, [], 'a refused run never took the lease');
    assert.equal(runCliJson(['rollout', 'abort', 'r', '--reason', 'spec edited', '--db', db]).code, 0);
    const watched = runCli(['rollout', 'status', 'r', '--watch', '--db', db]);
    assert.equal(watched.code, 0, 'watch ends once the rollout is over and no runner holds it');
    assert.match(watched.stdout, /rollout r: kernel -> 5.15.0-300, aborted \(spec edited\)/);
    assert.match(watched.stdout, /web-1 +0 +skipped +rollout aborted before this host/);
  });

  test('a playbook with placeholders nothing fills fails the plan, naming the step', () => {
    writeFileSync(path.join(dir, 'q.yaml'), 'name: q\nsteps:\n  - name: install\n    run: dpkg -i {{ vars.package }}\n');
    const spec = path.join(dir, 'q-spec.yaml');
    writeFileSync(spec, 'name: q\nkind: kernel\ntarget: 5.15.0-300\nplaybook: q\n');
    const planned = runCliJson(['rollout', 'plan', spec, '--db', db]);
    assert.deepEqual([planned.code, planned.json.error!.code], [3, 'PLAYBOOK_INVALID']);
    assert.match(planned.json.error!.message, /steps\[0\] \(install\): \{\{ vars.package \}\} is not set/);
  });

  test('a placeholder inside quotes, or a malformed one, fails the plan naming the step; nothing is saved', () => {
    const cases: [string, RegExp][] = [
      [`sh -c 'echo {{ host.rack }}'`, /steps\[0\] \(say\): \{\{ host.rack \}\} stands inside single quotes/],
      ['echo "{{ host.rack }}"', /steps\[0\] \(say\): \{\{ host.rack \}\} stands inside double quotes/],
      ['echo {{ host.rack }', /steps\[0\] \(say\): a "\{\{" at offset 5 opens no placeholder/],
    ];
    for (const [command, message] of cases) {
      writeFileSync(path.join(dir, 'quoted.yaml'), `name: quoted\nsteps:\n  - name: say\n    run: ${JSON.stringify(command)}\n`);
      const spec = path.join(dir, 'quoted-spec.yaml');
      writeFileSync(spec, 'name: quoted\nkind: kernel\ntarget: 5.15.0-300\nplaybook: quoted\ncanary: 0\n');
      const planned = runCliJson(['rollout', 'plan', spec, '--db', db]);
      assert.deepEqual([planned.code, planned.json.error!.code], [3, 'PLAYBOOK_INVALID'], command);
      assert.match(planned.json.error!.message, message);
    }
    assert.equal(runCliJson(['rollout', 'status', 'quoted', '--db', db]).code, 4, 'nothing was saved');
  });

  test('what a rollout uploads is pinned at plan time: a missing artifact fails the plan, a changed one is refused at run (exit 5)', () => {
    writeFileSync(path.join(dir, 'ship.yaml'), 'name: ship\nsteps:\n  - name: send\n    upload: { src: "{{ vars.package }}", dest: /var/tmp/x.deb }\n');
    const spec = path.join(dir, 'ship-spec.yaml');
    writeFileSync(spec, 'name: ship\nkind: kernel\ntarget: 5.15.0-302\nplaybook: ship\ncanary: 0\nvars:\n  package: artifacts/k.deb\n');
    const missing = runCliJson(['rollout', 'plan', spec, '--db', db]);
    assert.deepEqual([missing.code, missing.json.error!.code], [3, 'PLAYBOOK_INVALID']);
    assert.match(missing.json.error!.message, /step "send" uploads .*artifacts\/k.deb, which does not exist/);
    mkdirSync(path.join(dir, 'artifacts'));
    writeFileSync(path.join(dir, 'artifacts', 'k.deb'), 'the package as planned');
    const planned = runCliJson(['rollout', 'plan', spec, '--db', db]);
    assert.equal(planned.code, 0, planned.stdout);
    const pinned = runCliJson<{ events: { details: { artifacts: Record<string, string> } }[] }>(['audit', 'log', '--action', 'rollout.planned', '--db', db]);
    assert.deepEqual(Object.keys(pinned.json.result.events.at(-1)!.details.artifacts), [path.join(dir, 'artifacts', 'k.deb')]);
    writeFileSync(path.join(dir, 'artifacts', 'k.deb'), 'rebuilt after planning');
    const changed = runCliJson(['rollout', 'run', 'ship', '--db', db]);
    assert.deepEqual([changed.code, changed.json.error!.code], [5, 'SPEC_CHANGED']);
    assert.match(changed.json.error!.message, /k.deb changed \(planned sha256 [0-9a-f]{12}\)/);
    assert.equal(runCliJson(['rollout', 'abort', 'ship', '--reason', 'artifact rebuilt', '--db', db]).code, 0);
  });
});
