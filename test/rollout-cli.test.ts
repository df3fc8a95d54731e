import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { runCli, runCliJson } from './support/cli.js';
import { REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

describe('rollout plan and rollout schema, end to end', () => {
  const dir = tempDir();
  const db = path.join(dir, 'fleet.db');
  const example = path.join(REPO_ROOT, 'playbooks', 'rollouts', 'kernel-5.15-netkit.yaml');

  before(() => {
    assert.equal(runCliJson(['fleet', 'import', path.join(REPO_ROOT, 'playbooks', 'inventory', 'sample-fleet.yaml'), '--db', db]).code, 0);
  });

  test('the shipped example plans the selected cluster: canaries first, every host once, one host per rack in flight', () => {
    const run = runCliJson<{ selected: number; plan: { hostCount: number; waves: { canary: boolean; batches: string[][] }[]; excluded: unknown[] } }>(['rollout', 'plan', example, '--db', db]);
    assert.equal(run.code, 0, run.stdout);
    const { plan } = run.json.result;
    assert.equal(run.json.result.selected, 12);
    assert.equal(plan.hostCount, 12);
    assert.equal(plan.waves[0]!.canary, true);
    assert.equal(plan.waves[0]!.batches.flat().length, 2);
    const planned = plan.waves.flatMap((wave) => wave.batches.flat());
    assert.equal(new Set(planned).size, 12);
    assert.ok(planned.every((hostname) => hostname.startsWith('eu-')));
    for (const batch of plan.waves.flatMap((wave) => wave.batches)) {
      const racks = batch.map((hostname) => hostname.split('-n')[0]);
      assert.equal(new Set(racks).size, racks.length);
    }
    assert.match(runCli(['rollout', 'plan', example, '--db', db]).stdout, /not saved/);
  });

  test('an invalid spec lists every problem with its line and exits 3', () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: Bad_Name\nkind: kernel\ntarget: x\nplaybook: p\nwaves: [0]\nsoak: 10 minutes\nextra: 1\n');
    const run = runCliJson(['rollout', 'plan', bad, '--db', db]);
    assert.equal(run.code, 3);
    assert.equal(run.json.error!.code, 'SPEC_INVALID');
    const problems = (run.json.error!.details as { problems: { line: number; field: string }[] }).problems;
    assert.deepEqual(problems.map((problem) => [problem.line, problem.field]), [[1, 'name'], [5, 'waves.0'], [6, 'soak'], [7, 'extra']]);
  });

  test('a canary the plan cannot use makes the run exit 3 with the reason', () => {
    const spec = path.join(dir, 'canary.yaml');
    writeFileSync(spec, 'name: c1\nkind: kernel\ntarget: 5.15.0-200\nplaybook: p\nselector: cluster=prod-eu\ncanary: [us-2a-r1-n1]\n');
    const run = runCliJson<{ plan: { problems: string[] } }>(['rollout', 'plan', spec, '--db', db]);
    assert.equal(run.code, 3);
    assert.match(run.json.result.plan.problems[0]!, /canary us-2a-r1-n1 is not among the hosts this rollout would change \(not selected\)/);
  });

  test('rollout schema prints a JSON Schema generated from the spec schema', () => {
    const run = runCli(['rollout', 'schema']);
    assert.equal(run.code, 0);
    const schema = JSON.parse(run.stdout) as { properties: Record<string, unknown>; required: string[] };
    assert.ok(['name', 'kind', 'target', 'waves', 'canary', 'spread', 'failureBudget', 'maintenanceWindows'].every((key) => key in schema.properties));
    assert.deepEqual([...schema.required].sort(), ['kind', 'name', 'playbook', 'target']);
  });
});
