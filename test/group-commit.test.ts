import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openStore } from '../src/adapters/store/store.js';
import { RolloutSpecSchema } from '../src/rollout/spec.js';
import { groupCommitFor } from '../src/services/rollout-run/run-context.js';
import { tempDir } from './support/temp.js';

describe('group commit: host workers share transactions, each write on its own', () => {
  function setup(maxWrites?: number) {
    const store = openStore({ path: path.join(tempDir('fleetwave-group-'), 'fleet.db'), create: true });
    const spec = RolloutSpecSchema.parse({ name: 'g', kind: 'kernel', target: '6.12.0', playbook: 'p' });
    const plan = { waves: [{ index: 0, canary: false, batches: [['a', 'b', 'c']] }], excluded: [], problems: [], hostCount: 3 };
    const at = '2026-12-01T00:00:00Z';
    store.write(() => {
      store.rollouts.create(spec, 'sha', null, plan, at);
      store.ledger.takeLease({ rollout: 'g', owner: 'runner-1', pid: process.pid, machine: 'here', acquiredAt: at, heartbeatAt: at, ttlMs: 30_000 });
    });
    return { store, writes: groupCommitFor({ store, name: 'g', owner: 'runner-1' }, maxWrites), at };
  }

  test('writes submitted in one turn commit together; one that throws is rolled back alone and fails its caller only', async () => {
    const { store, writes, at } = setup();
    const results = await Promise.allSettled([
      writes.submit(() => store.rollouts.saveHostState('g', 'a', { status: 'running', step: 0 }, at)),
      writes.submit(() => {
        store.rollouts.saveHostState('g', 'b', { status: 'running', step: 0 }, at);
        throw new Error('this transition no longer applies');
      }),
      writes.submit(() => {
        store.rollouts.saveHostState('g', 'c', { status: 'running', step: 0 }, at);
        return 'c moved';
      }),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((results[2] as PromiseFulfilledResult<string>).value, 'c moved');
    assert.deepEqual(
      store.rollouts.hosts('g').map((host) => [host.hostname, host.state.status]),
      [
        ['a', 'running'],
        ['b', 'pending'],
        ['c', 'running'],
      ],
      "b's write was undone, a's and c's kept",
    );
    assert.deepEqual(writes.stats, { commits: 1, writes: 3 }, 'one transaction carried all three');
  });

  test('a runner that lost its lease writes nothing: every write of the batch fails', async () => {
    const { store, writes, at } = setup();
    store.write(() => store.ledger.takeLease({ rollout: 'g', owner: 'runner-2', pid: process.pid, machine: 'here', acquiredAt: at, heartbeatAt: at, ttlMs: 30_000 }));
    const results = await Promise.allSettled([writes.submit(() => store.rollouts.saveHostState('g', 'a', { status: 'running', step: 0 }, at)), writes.submit(() => 1)]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
    assert.match(String((results[0] as PromiseRejectedResult).reason), /no longer holds rollout g/);
    assert.equal(store.rollouts.host('g', 'a')!.state.status, 'pending');
  });

  test('no transaction carries more than its cap: the rest commit in the next turns, in the order submitted', async () => {
    const { store, writes, at } = setup(2);
    const order: string[] = [];
    const hostnames = ['a', 'b', 'c'];
    await Promise.all(
      hostnames.map((hostname) =>
        writes.submit(() => {
          store.rollouts.saveHostState('g', hostname, { status: 'running', step: 0 }, at);
          order.push(hostname);
        }),
      ),
    );
    assert.deepEqual(writes.stats, { commits: 2, writes: 3 }, 'two writes, then one');
    assert.deepEqual(order, hostnames);
    assert.ok(store.rollouts.hosts('g').every((host) => host.state.status === 'running'));
  });
});
