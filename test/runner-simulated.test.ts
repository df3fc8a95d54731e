import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemClock } from '../src/adapters/clock.js';
import { openStore } from '../src/adapters/store/store.js';
import { DISPATCH_CHUNK } from '../src/rollout/run-decision.js';
import type { RunProgress } from '../src/services/rollout-run/run-progress.js';
import type { RolloutEvent } from '../src/rollout/rollout-machine.js';
import { controlRollout } from '../src/services/rollout-control.js';
import { verifyAuditTrail } from '../src/services/audit-trail.js';
import { ONE_CHANGE_PLAYBOOK, prepareSimulatedRollout, runSimulatedRollout, simulatedHostname } from '../src/services/simulation/simulated-rollout.js';
import { tempDir } from './support/temp.js';

/**
 * Runner decisions on the SIMULATED FLEET (hosts that answer in memory): the real planner, runner,
 * SQLite store and audit trail, without SSH. Everything that touches real SSH keeps its
 * end-to-end test on the lab (rollout-run.test.ts and the VM tests).
 */
/**
 * An operator's command, issued from a progress callback but run outside the runner's turn: some
 * progress is reported from inside the runner's transactions, where another terminal never is.
 */
function outside<T>(command: () => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => setImmediate(() => command().then(resolve, reject)));
}

/** An operator's pause, resume or rollback of the simulated rollout, from another terminal (see outside). */
function operator(prepared: { dbPath: string }, event: RolloutEvent, reason?: string) {
  return outside(() => controlRollout({ dbPath: prepared.dbPath, name: 'simulated', event, ...(reason === undefined ? {} : { reason }), clock: systemClock }));
}

describe('the runner on a simulated fleet', () => {
  test('a rollout completes: every host changed and rebooted once, the run recorded as simulated, the audit chain intact', async () => {
    const prepared = prepareSimulatedRollout({ dir: tempDir('fleetwave-sim-'), hosts: 60, clock: systemClock, spec: { waves: [1, 10, '100%'], canary: 1, parallel: 8, spread: { rack: 1 } } });
    const { result, fleet } = await runSimulatedRollout(prepared, { clock: systemClock, pollMs: 20 });
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.hosts, { succeeded: 60 });
    assert.equal(fleet.stats.reboots, 60, 'each host rebooted exactly once');
    const store = openStore({ path: prepared.dbPath, create: false });
    try {
      const started = store.events.query({ action: 'rollout.runner-started', limit: 0 }).events;
      assert.deepEqual(
        started.map((event) => (event.details as { transport: string }).transport),
        ['simulated fleet'],
      );
      const installs = store.events.query({ action: 'rollout.host.step', limit: 0 }).events.filter((event) => (event.details as { name?: string }).name === 'install the kernel');
      assert.equal(new Set(installs.map((event) => event.host)).size, 60, 'every host has its install step in the audit trail');
      assert.equal(installs.length, 60, 'and only one');
      // Each probe's "what changed" is judged against the inventory as the previous probe left it.
      const probes = store.events
        .query({ host: simulatedHostname(7), action: 'host.probed', limit: 0 })
        .events.map((event) => event.details as { purpose: string; rebooted: boolean; changed: string[] });
      assert.deepEqual(
        probes.map((probe) => probe.purpose),
        ['baseline', 'succeeded'],
      );
      assert.equal(probes[0]!.rebooted, false, 'never probed before: no boot to compare with');
      assert.deepEqual([probes[1]!.rebooted, probes[1]!.changed], [true, ['bootId']], 'after the reboot only the boot id differs from the baseline (the simulated kernel does not change)');
    } finally {
      store.close();
    }
    assert.equal(verifyAuditTrail({ dbPath: prepared.dbPath }).ok, true);
  });

  test('a host whose change fails is rolled back and verified, the budget halts the rollout, and no later batch starts', async () => {
    const broken = simulatedHostname(3);
    const prepared = prepareSimulatedRollout({
      dir: tempDir('fleetwave-sim-'),
      hosts: 30,
      clock: systemClock,
      spec: { waves: [1, '100%'], canary: 1, parallel: 5, failureBudget: { perWave: 0, overall: 0 } },
    });
    const dispatched: string[] = [];
    const { result, fleet } = await runSimulatedRollout(prepared, {
      clock: systemClock,
      pollMs: 20,
      fleet: { fails: (hostname, command) => hostname === broken && command.trim() === 'true install-kernel' },
      onProgress: (progress) => {
        if (progress.type === 'host' && progress.status === 'running') dispatched.push(progress.hostname);
      },
    });
    assert.equal(result.status, 'halted');
    assert.deepEqual(
      result.failed.map((host) => [host.hostname, host.status]),
      [[broken, 'rolled-back']],
    );
    assert.match(result.failed[0]!.reason, /install the kernel/);
    assert.equal(fleet.stats.failures, 1);
    const batchOf = new Map<string, number>();
    const store = openStore({ path: prepared.dbPath, create: false });
    try {
      for (const host of store.rollouts.hosts('simulated')) batchOf.set(host.hostname, host.wave * 1000 + host.batch);
    } finally {
      store.close();
    }
    const brokenBatch = batchOf.get(broken)!;
    assert.ok(
      dispatched.every((hostname) => batchOf.get(hostname)! <= brokenBatch),
      `nothing after the failing host's batch was dispatched: ${dispatched.join(' ')}`,
    );
  });

  test('paused: hosts in flight finish, nothing is dispatched over many ticks, and resume carries on to the end', async () => {
    const prepared = prepareSimulatedRollout({ dir: tempDir('fleetwave-sim-'), hosts: 40, clock: systemClock, spec: { waves: [1, '100%'], canary: 1, parallel: 4 } });
    const dispatched: string[] = [];
    let pausedAt: number | null = null;
    let ticksWhilePaused = 0;
    let resumed: Promise<unknown> | null = null;
    let pausing: Promise<unknown> | null = null;
    const onProgress = (progress: RunProgress) => {
      if (progress.type === 'host' && progress.status === 'running') {
        dispatched.push(progress.hostname);
        // The first host of the second wave: an operator pauses from another terminal.
        if (dispatched.length === 2) pausing = operator(prepared, { type: 'PauseRequested', reason: 'look at the canary' });
      }
      if (progress.type === 'wait' && progress.why.startsWith('paused') && pausedAt === null) pausedAt = dispatched.length;
      // Each tick while paused reports the counts: twenty ticks with nothing dispatched, then resume.
      if (progress.type === 'counts' && pausedAt !== null && resumed === null && (ticksWhilePaused += 1) === 20) {
        assert.equal(dispatched.length, pausedAt, 'no host was dispatched while paused');
        resumed = operator(prepared, { type: 'ResumeRequested' }, 'canary is fine');
      }
    };
    const { result } = await runSimulatedRollout(prepared, { clock: systemClock, pollMs: 10, onProgress });
    await pausing;
    await resumed;
    assert.notEqual(pausedAt, null, 'the runner saw the pause');
    assert.equal(ticksWhilePaused >= 20, true);
    assert.equal(result.status, 'completed');
    assert.equal(new Set(dispatched).size, 40, 'every host dispatched once, after the resume');
  });

  test('a batch bigger than a tick dispatches a chunk per tick, and a pause between two chunks holds the rest of the batch', async () => {
    // One wave of 1,500 hosts in one batch, parallel 5,000: before chunking, one tick dispatched
    // all of them before it read the rollout's status again.
    const prepared = prepareSimulatedRollout({ dir: tempDir('fleetwave-sim-'), hosts: 1501, clock: systemClock, playbook: ONE_CHANGE_PLAYBOOK, spec: { waves: ['100%'], canary: 1, parallel: 5000 } });
    const dispatched: string[] = [];
    let dispatchedWhenSeen: number | null = null;
    let pausing: Promise<unknown> | null = null;
    let resuming: Promise<unknown> | null = null;
    const onProgress = (progress: RunProgress) => {
      if (progress.type === 'host' && progress.status === 'running') {
        dispatched.push(progress.hostname);
        // The first host of the big wave: an operator pauses from another terminal.
        if (dispatched.length === 2) pausing = operator(prepared, { type: 'PauseRequested', reason: 'look first' });
      }
      if (progress.type === 'rollout' && progress.by === 'operator' && progress.status === 'paused') {
        dispatchedWhenSeen = dispatched.length;
        resuming = operator(prepared, { type: 'ResumeRequested' }, 'fine');
      }
    };
    const { result } = await runSimulatedRollout(prepared, { clock: systemClock, pollMs: 10, onProgress });
    await pausing;
    await resuming;
    assert.equal(dispatchedWhenSeen, 1 + DISPATCH_CHUNK, 'the canary and one chunk of the wave: the pause was read before the next chunk');
    assert.equal(result.status, 'completed');
    assert.equal(new Set(dispatched).size, 1501, 'after the resume, the rest of the batch, each host once');
  });

  test("an operator's rollback mid-run: pending hosts are skipped, changed hosts are undone newest wave first, each verified", async () => {
    const prepared = prepareSimulatedRollout({ dir: tempDir('fleetwave-sim-'), hosts: 40, clock: systemClock, spec: { waves: [1, 10, '100%'], canary: 1, parallel: 4 } });
    const rollingBack: number[] = [];
    let requested: Promise<unknown> | null = null;
    let succeeded = 0;
    const onProgress = (progress: RunProgress) => {
      if (progress.type === 'host' && progress.status === 'succeeded' && (succeeded += 1) === 12 && requested === null) {
        requested = operator(prepared, { type: 'RollbackRequested', reason: 'regression seen in wave 2' });
      }
      if (progress.type === 'host' && progress.status === 'rolling-back') rollingBack.push(progress.wave);
    };
    const { result, fleet } = await runSimulatedRollout(prepared, { clock: systemClock, pollMs: 10, onProgress });
    await requested;
    assert.equal(result.status, 'rolled-back');
    const undone = result.hosts['rolled-back'] ?? 0;
    assert.equal(undone + (result.hosts.skipped ?? 0), 40, JSON.stringify(result.hosts));
    assert.ok(undone >= 12, `every host that had changed was rolled back: ${JSON.stringify(result.hosts)}`);
    assert.deepEqual(
      rollingBack,
      [...rollingBack].sort((a, b) => b - a),
      'newest wave first',
    );
    assert.equal(rollingBack.at(-1), 0, 'the canary last');
    const store = openStore({ path: prepared.dbPath, create: false });
    try {
      const verified = store.events.query({ action: 'rollout.host.rollback-verified', limit: 0 }).events;
      assert.equal(verified.length, undone, 'each rolled-back host verified against its baseline');
      assert.ok(verified.every((event) => (event.details as { restored: boolean }).restored));
    } finally {
      store.close();
    }
    assert.equal(fleet.stats.failures, 0);
  });

  test('10,000 hosts run to completion in batches of thousands: each changed exactly once, the tallies and the audit trail agree with the hosts', async () => {
    // 200,000 and 1,000,000 hosts are measured by npm run bench:engine (minutes, not a test's seconds).
    const hosts = 10_000;
    // One change per host and no reboot: the engine's own cost per host, at fleet scale.
    const prepared = prepareSimulatedRollout({
      dir: tempDir('fleetwave-sim-'),
      hosts,
      clock: systemClock,
      playbook: ONE_CHANGE_PLAYBOOK,
      spec: { waves: [1, '1%', '100%'], canary: 1, parallel: 5000, spread: { rack: 1 } },
    });
    const { result, fleet } = await runSimulatedRollout(prepared, { clock: systemClock, pollMs: 50 });
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.hosts, { succeeded: hosts });
    assert.deepEqual(fleet.stats, { commands: 3 * hosts, uploads: 0, reboots: 0, failures: 0 }, 'a baseline probe, the change and a probe after it, on every host');
    const store = openStore({ path: prepared.dbPath, create: false });
    try {
      const counted = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
      assert.equal(counted("SELECT count(DISTINCT host) AS n FROM events WHERE action = 'rollout.host.step'"), hosts, 'every host has its change in the audit trail');
      assert.equal(counted("SELECT count(*) AS n FROM events WHERE action = 'rollout.host.step'"), hosts, 'and only one');
      assert.deepEqual(
        store.db.prepare("SELECT status, sum(hosts) AS hosts FROM rollout_tallies WHERE rollout = 'simulated' AND hosts > 0 GROUP BY status").all(),
        [{ status: 'succeeded', hosts }],
        'the tallies kept by triggers agree with the hosts',
      );
    } finally {
      store.close();
    }
    assert.equal(verifyAuditTrail({ dbPath: prepared.dbPath }).ok, true);
  });
});
