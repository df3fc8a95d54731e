import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { running } from '../src/adapters/lab/vm-guests.js';
import { runCliJson } from './support/cli.js';
import { tempDir } from './support/temp.js';

/** The processes in a lab's network namespaces (fwlabSLOT-hN), as `ip netns pids` lists them. */
function labProcesses(slot: number): number[] {
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((netns) => netns.startsWith(`fwlab${slot}-h`));
  return namespaces.flatMap((netns) => execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number));
}

/** The default --lab-dir is relative (.fleetwave/lab): a lab made from a relative path must work. */
describe('a lab made with a relative --lab-dir', () => {
  test('serves SSH with nothing exported (lab up recorded its ssh config, absolute), and lab down returns once its processes are gone', () => {
    const cwd = tempDir('fleetwave-lab-relative-');
    const up = runCliJson<{ sshConfig: string; slot: number }>(['lab', 'up', '--hosts', '2', '--name', 'rel', '--lab-dir', 'rel-lab', '--db', 'fleet.db'], { cwd });
    assert.equal(up.code, 0, up.stdout);
    let processes: number[] = [];
    try {
      assert.ok(up.json.result.sshConfig.startsWith('/'), up.json.result.sshConfig);
      const run = runCliJson<{ ok: number }>(['fleet', 'exec', 'lab=rel', '--db', 'fleet.db', '--', 'true'], { cwd, env: { HOME: cwd } });
      assert.equal(run.code, 0, run.stdout);
      assert.equal(run.json.result.ok, 2);
      processes = labProcesses(up.json.result.slot);
      assert.ok(processes.length >= 2, `each host's sshd runs in its namespace (${processes.join(' ')})`);
    } finally {
      assert.equal(runCliJson(['lab', 'down', '--lab-dir', 'rel-lab', '--db', 'fleet.db'], { cwd }).code, 0);
    }
    assert.deepEqual(processes.filter(running), [], 'no process of the lab outlives lab down');
  });
});
