import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemClock } from '../src/adapters/clock.js';
import { openStore } from '../src/adapters/store/store.js';
import { ONE_CHANGE_PLAYBOOK, prepareSimulatedRollout, runSimulatedRollout } from '../src/services/simulation/simulated-rollout.js';
import { tempDir } from './support/temp.js';

/**
 * The engine at fleet scale, on the SIMULATED FLEET (hosts answer in memory): a 200,000-host
 * rollout through the real planner, runner, SQLite store and audit trail, run to completion. It
 * runs in the suite's one-at-a-time part: it needs a CPU to itself. Its times are reported, never
 * asserted (npm run bench:engine measures the engine's speed).
 */
describe('the engine at fleet scale (simulated fleet)', () => {
  test('200,000 hosts run to completion: each host changed exactly once, the tallies agree with the hosts, nothing left locked', async (t) => {
    const hosts = 200_000;
    const preparing = performance.now();
    // One change per host (no reboot, no check): the engine's own cost per host.
    const prepared = prepareSimulatedRollout({
      dir: tempDir('fleetwave-scale-'),
      hosts,
      clock: systemClock,
      playbook: ONE_CHANGE_PLAYBOOK,
      spec: { waves: [1, '1%', '10%', '100%'], canary: 1, parallel: 5000, spread: { rack: 1 } },
    });
    const running = performance.now();
    const { result, fleet } = await runSimulatedRollout(prepared, { clock: systemClock, pollMs: 50 });
    const finished = performance.now();
    t.diagnostic(
      `import and plan ${((running - preparing) / 1000).toFixed(1)} s; run ${((finished - running) / 1000).toFixed(1)} s (${Math.round(((finished - running) * 1000) / hosts)} us per host)`,
    );
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.hosts, { succeeded: hosts });
    assert.deepEqual(fleet.stats, { commands: 3 * hosts, uploads: 0, reboots: 0, failures: 0 }, 'a baseline probe, the change and a probe after it, on every host');
    const store = openStore({ path: prepared.dbPath, create: false });
    try {
      const one = (sql: string) => store.db.prepare(sql).get() as Record<string, number>;
      assert.deepEqual(
        one("SELECT count(*) AS events, count(DISTINCT host) AS hosts FROM events WHERE action = 'rollout.host.step'"),
        { events: hosts, hosts },
        'every host has its change in the audit trail, once',
      );
      assert.deepEqual(one("SELECT count(*) AS done FROM rollout_effects WHERE rollout = 'simulated' AND status = 'done'"), { done: hosts }, 'one finished effect per host in the ledger');
      assert.deepEqual(
        store.db.prepare("SELECT status, sum(hosts) AS hosts FROM rollout_tallies WHERE rollout = 'simulated' AND hosts > 0 GROUP BY status").all(),
        [{ status: 'succeeded', hosts }],
        'the tallies kept by triggers agree with the hosts',
      );
      assert.deepEqual(one("SELECT count(*) AS locked FROM host_locks WHERE rollout = 'simulated'"), { locked: 0 }, 'a completed rollout holds no host');
      // The chain's head is the last event (the whole chain is verified by the 10,000-host test and the benchmark).
      assert.equal(store.events.head().lastId, one('SELECT max(id) AS last FROM events').last);
    } finally {
      store.close();
    }
  });
});
