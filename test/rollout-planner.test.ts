import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Host } from '../src/fleet/host.js';
import { planRollout, QUARANTINE_LABEL, type RolloutPlan } from '../src/rollout/planner.js';
import { resolveAmount, RolloutSpecSchema, type RolloutSpecInput } from '../src/rollout/spec.js';
import { makeHost } from './support/hosts.js';

/** 3 zones x 4 racks x 5 hosts = 60 hosts on the old kernel. */
function fleet(): Host[] {
  const hosts: Host[] = [];
  for (const zone of ['a', 'b', 'c']) {
    for (let rack = 1; rack <= 4; rack += 1) {
      for (let node = 1; node <= 5; node += 1) {
        hosts.push(
          makeHost({
            hostname: `${zone}-r${rack}-n${node}`,
            cluster: 'prod',
            zone,
            rack: `${zone}-r${rack}`,
            runningKernel: '5.15.0-91',
            defaultKernel: '5.15.0-91',
            cniMode: 'veth',
            netkitCapable: true,
          }),
        );
      }
    }
  }
  return hosts;
}

function spec(overrides: Partial<RolloutSpecInput> = {}) {
  return RolloutSpecSchema.parse({ name: 'k200', kind: 'kernel', target: '5.15.0-200-netkit', playbook: 'kernel-upgrade', ...overrides });
}

const noLocks = { lockedBy: new Map<string, string>() };
const all = (plan: RolloutPlan) => plan.waves.flatMap((wave) => wave.batches.flat());

describe('rollout planner', () => {
  test('every eligible host is planned exactly once, canary first', () => {
    const plan = planRollout(spec({ waves: [5, '25%', '100%'], canary: 2 }), fleet(), noLocks);
    const planned = all(plan);
    assert.equal(planned.length, 60);
    assert.equal(new Set(planned).size, 60);
    assert.equal(plan.waves[0]!.canary, true);
    assert.equal(plan.waves[0]!.batches.flat().length, 2);
    assert.deepEqual(
      plan.waves.map((wave) => wave.batches.flat().length),
      [2, 5, 15, 38],
    );
  });

  test('the last wave size repeats until every host is planned', () => {
    const plan = planRollout(spec({ waves: [10], canary: 0 }), fleet(), noLocks);
    assert.deepEqual(
      plan.waves.map((wave) => wave.batches.flat().length),
      [10, 10, 10, 10, 10, 10],
    );
    assert.ok(plan.waves.every((wave) => !wave.canary));
  });

  test('canaries and early waves are spread across zones and racks', () => {
    const plan = planRollout(spec({ waves: [6, '100%'], canary: 3 }), fleet(), noLocks);
    const zoneOf = (hostname: string) => hostname[0];
    assert.deepEqual(plan.waves[0]!.batches.flat().map(zoneOf).sort(), ['a', 'b', 'c']);
    const firstWaveRacks = plan.waves[1]!.batches.flat().map((hostname) => hostname.slice(0, 4));
    assert.equal(new Set(firstWaveRacks).size, 6, 'six hosts from six different racks');
  });

  test('batches respect in-flight spread limits: 1 per rack, 10% per zone', () => {
    const plan = planRollout(spec({ waves: ['100%'], canary: 0, spread: { rack: 1, zone: '10%' } }), fleet(), noLocks);
    for (const batch of plan.waves.flatMap((wave) => wave.batches)) {
      const racks = batch.map((hostname) => hostname.slice(0, 4));
      assert.equal(new Set(racks).size, racks.length, `one host per rack: ${batch.join(' ')}`);
      const perZone = new Map<string, number>();
      for (const hostname of batch) perZone.set(hostname[0]!, (perZone.get(hostname[0]!) ?? 0) + 1);
      assert.ok(
        [...perZone.values()].every((count) => count <= 2),
        `at most 10% of 20 = 2 per zone: ${batch.join(' ')}`,
      );
    }
    assert.equal(all(plan).length, 60);
  });

  test('excluded hosts are listed with their reasons', () => {
    const hosts = fleet();
    hosts[0] = { ...hosts[0]!, runningKernel: '5.15.0-200-netkit', defaultKernel: '5.15.0-200-netkit' };
    hosts[1] = { ...hosts[1]!, labels: { [QUARANTINE_LABEL]: 'disk errors, OPS-77' } };
    const plan = planRollout(spec(), hosts, { lockedBy: new Map([[hosts[2]!.hostname, 'cni-wave-3']]) });
    assert.deepEqual(plan.excluded, [
      { hostname: 'a-r1-n1', reason: 'already running 5.15.0-200-netkit' },
      { hostname: 'a-r1-n2', reason: 'quarantined: disk errors, OPS-77' },
      { hostname: 'a-r1-n3', reason: 'locked by rollout cni-wave-3' },
    ]);
    assert.equal(plan.hostCount, 57);
  });

  test('a host running the target but not yet defaulting to it still needs the rollout', () => {
    const hosts = fleet();
    hosts[0] = { ...hosts[0]!, runningKernel: '5.15.0-200-netkit', defaultKernel: '5.15.0-91' };
    assert.equal(planRollout(spec(), hosts, noLocks).excluded.length, 0);
  });

  test('a CNI rollout to netkit skips hosts whose kernel cannot run it, or that were never probed', () => {
    const hosts = fleet();
    hosts[0] = { ...hosts[0]!, netkitCapable: false, netkitDetail: 'the running kernel is built without CONFIG_NETKIT' };
    hosts[1] = { ...hosts[1]!, netkitCapable: null };
    hosts[2] = { ...hosts[2]!, cniMode: 'netkit' };
    const plan = planRollout(spec({ name: 'cni1', kind: 'cni', target: 'netkit', playbook: 'cni-netkit' }), hosts, noLocks);
    assert.deepEqual(plan.excluded, [
      { hostname: 'a-r1-n1', reason: 'kernel 5.15.0-91 cannot run netkit: the running kernel is built without CONFIG_NETKIT' },
      { hostname: 'a-r1-n2', reason: 'netkit capability unknown: probe the host first' },
      { hostname: 'a-r1-n3', reason: 'already on netkit' },
    ]);
  });

  test('explicit canaries come first; one that cannot be used is a problem, not silently dropped', () => {
    const hosts = fleet();
    hosts[5] = { ...hosts[5]!, labels: { [QUARANTINE_LABEL]: 'true' } };
    const plan = planRollout(spec({ canary: ['c-r4-n5', hosts[5]!.hostname] }), hosts, noLocks);
    assert.deepEqual(plan.waves[0]!.batches.flat(), ['c-r4-n5']);
    assert.deepEqual(plan.problems, [`canary ${hosts[5]!.hostname} is not among the hosts this rollout would change (quarantined)`]);
  });

  test('the same input gives the same plan, whatever order the hosts arrive in', () => {
    const forward = planRollout(spec({ spread: { rack: 1 } }), fleet(), noLocks);
    const backward = planRollout(spec({ spread: { rack: 1 } }), [...fleet()].reverse(), noLocks);
    assert.deepEqual(backward, forward);
  });

  test('an empty selection plans nothing', () => {
    assert.deepEqual(planRollout(spec(), [], noLocks), { waves: [], excluded: [], problems: [], hostCount: 0 });
  });
});

describe('rollout spec', () => {
  test('defaults and parsed amounts', () => {
    const parsed = spec({ waves: [1, 5, '10%'], soak: '15m', failureBudget: { perWave: '5%', overall: 3, onSpent: 'rollback-wave' } });
    assert.deepEqual(parsed.waves, [1, 5, { percent: 10 }]);
    assert.equal(parsed.soak, 900);
    assert.deepEqual(parsed.failureBudget, { perWave: { percent: 5 }, overall: 3, onSpent: 'rollback-wave' });
    assert.equal(parsed.canary, 1);
  });

  const invalid: [string, Partial<RolloutSpecInput>][] = [
    ['an unknown kind', { kind: 'firmware' as 'kernel' }],
    ['a wave of zero hosts', { waves: [0] }],
    ['a percentage over 100', { waves: ['150%'] }],
    ['a bad duration', { soak: '10 minutes' }],
    ['a bad time zone', { maintenanceWindows: [{ days: ['mon'], start: '01:00', end: '05:00', timezone: 'Mars/Olympus' }] }],
  ];
  for (const [name, overrides] of invalid)
    test(`rejects ${name}`, () => assert.equal(RolloutSpecSchema.safeParse({ name: 'x', kind: 'kernel', target: 't', playbook: 'p', ...overrides }).success, false));

  const amounts: [Parameters<typeof resolveAmount>[0], number, number][] = [
    [5, 100, 5],
    [500, 100, 100],
    [{ percent: 10 }, 100, 10],
    [{ percent: 10 }, 7, 1],
    [{ percent: 25 }, 10, 3],
    [{ percent: 100 }, 60, 60],
  ];
  for (const [amount, of, expected] of amounts) test(`${JSON.stringify(amount)} of ${of} is ${expected}`, () => assert.equal(resolveAmount(amount, of), expected));
});
