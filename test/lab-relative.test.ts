import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCliJson } from './support/cli.js';
import { tempDir } from './support/temp.js';

/** The default --lab-dir is relative (.fleetwave/lab): a lab made from a relative path must work. */
describe('a lab made with a relative --lab-dir', () => {
  test('serves SSH, and tears down', () => {
    const cwd = tempDir('fleetwave-lab-relative-');
    const up = runCliJson(['lab', 'up', '--hosts', '2', '--name', 'rel', '--lab-dir', 'rel-lab', '--db', 'fleet.db'], { cwd });
    assert.equal(up.code, 0, up.stdout);
    try {
      const run = runCliJson<{ ok: number }>(['fleet', 'exec', 'lab=rel', '--db', 'fleet.db', '--', 'true'], { cwd, env: { FLEETWAVE_SSH_CONFIG: 'rel-lab/ssh_config' } });
      assert.equal(run.code, 0, run.stdout);
      assert.equal(run.json.result.ok, 2);
    } finally {
      assert.equal(runCliJson(['lab', 'down', '--lab-dir', 'rel-lab', '--db', 'fleet.db'], { cwd }).code, 0);
    }
  });
});
