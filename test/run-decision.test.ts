import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HostState } from '../src/rollout/host-machine.js';
import { decideRun, DISPATCH_CHUNK, judgeSoak, viewOfHosts, type RunHostView, type RunSnapshot, type SoakReading } from '../src/rollout/run-decision.js';
import type { RolloutStatus } from '../src/rollout/rollout-machine.js';
import { RolloutSpecSchema, type RolloutSpecInput } from '../src/rollout/spec.js';

const NOW = new Date('2026-11-23T10:00:00Z'); // a Monday

function host(hostname: string, wave: number, batch: number, state: HostState = { status: 'pending' }, acknowledged = false): RunHostView {
  return { hostname, wave, batch, state, acknowledged };
}

function snapshot(
  status: RolloutStatus,
  hosts: RunHostView[],
  options: { wave?: number; spec?: Partial<RolloutSpecInput>; busy?: string[]; frozen?: string; soakStartedAt?: string; rollbackWave?: number; now?: Date } = {},
): RunSnapshot {
  const spec = RolloutSpecSchema.parse({ name: 'r', kind: 'kernel', target: 't', playbook: 'p', soak: '60s', ...options.spec });
  // The runner knows where each host it holds sits in the plan; the view never reads them.
  const held = new Map(
    (options.busy ?? []).map((hostname) => {
      const known = hosts.find((candidate) => candidate.hostname === hostname)!;
      return [hostname, { wave: known.wave, batch: known.batch }];
    }),
  );
  const rollout = { status, wave: options.wave ?? 0, reason: null, rollbackWave: options.rollbackWave ?? null, soakStartedAt: options.soakStartedAt ?? null };
  return {
    rollout,
    spec,
    ...viewOfHosts(hosts, { status, wave: rollout.wave, rollbackWave: rollout.rollbackWave, parallel: spec.parallel, held: new Set(held.keys()) }),
    frozen: options.frozen ?? null,
    now: options.now ?? NOW,
    held,
  };
}

const failed: HostState = { status: 'failed', reason: 'kernel did not boot' };
const succeeded: HostState = { status: 'succeeded' };
const running: HostState = { status: 'running', step: 2 };

describe('decideRun: what the runner does next, from plain rows', () => {
  test('a planned rollout starts', () => {
    assert.deepEqual(decideRun(snapshot('planned', [host('a', 0, 0)])), [{ kind: 'start' }]);
  });

  test('running: the lowest batch of the current wave is dispatched, never a later wave', () => {
    const hosts = [host('a', 0, 0), host('b', 0, 1), host('c', 1, 0)];
    assert.deepEqual(decideRun(snapshot('running', hosts)), [{ kind: 'dispatch', wave: 0, batch: 0, hostnames: ['a'] }]);
  });

  test('the next batch waits until the current one is settled (spread limits hold)', () => {
    const hosts = [host('a', 0, 0, running), host('b', 0, 1)];
    assert.deepEqual(decideRun(snapshot('running', hosts, { busy: ['a'] })), [{ kind: 'wait', why: 'wave 0: hosts in flight' }]);
    const done = [host('a', 0, 0, succeeded), host('b', 0, 1)];
    assert.deepEqual(decideRun(snapshot('running', done)), [{ kind: 'dispatch', wave: 0, batch: 1, hostnames: ['b'] }]);
  });

  test('parallel caps hosts in flight within a batch, and tops up as hosts finish', () => {
    const hosts = ['a', 'b', 'c', 'd', 'e'].map((name) => host(name, 0, 0));
    assert.deepEqual(decideRun(snapshot('running', hosts, { spec: { parallel: 2 } })), [{ kind: 'dispatch', wave: 0, batch: 0, hostnames: ['a', 'b'] }]);
    const oneBusy = [host('a', 0, 0, running), host('b', 0, 0, succeeded), host('c', 0, 0), host('d', 0, 0)];
    assert.deepEqual(decideRun(snapshot('running', oneBusy, { spec: { parallel: 2 }, busy: ['a'] })), [{ kind: 'dispatch', wave: 0, batch: 0, hostnames: ['c'] }]);
  });

  test('a tick dispatches at most DISPATCH_CHUNK hosts of a big batch; the next tick the next chunk', () => {
    const hosts = Array.from({ length: DISPATCH_CHUNK + 7 }, (_, index) => host(`h${String(index).padStart(4, '0')}`, 0, 0));
    const [first] = decideRun(snapshot('running', hosts, { spec: { parallel: 5000 } }));
    assert.equal(first!.kind, 'dispatch');
    const chunk = (first as { hostnames: string[] }).hostnames;
    assert.deepEqual(
      chunk,
      hosts.slice(0, DISPATCH_CHUNK).map((one) => one.hostname),
    );
    const after = hosts.map((one) => (chunk.includes(one.hostname) ? host(one.hostname, 0, 0, running) : one));
    assert.deepEqual(decideRun(snapshot('running', after, { spec: { parallel: 5000 }, busy: chunk })), [
      { kind: 'dispatch', wave: 0, batch: 0, hostnames: hosts.slice(DISPATCH_CHUNK).map((one) => one.hostname) },
    ]);
  });

  test('a freeze or a closed maintenance window blocks dispatch, and says why', () => {
    const hosts = [host('a', 0, 0)];
    assert.deepEqual(decideRun(snapshot('running', hosts, { frozen: 'holiday sale' })), [{ kind: 'wait', why: 'fleet frozen: holiday sale' }]);
    const weekend = { maintenanceWindows: [{ days: ['sat' as const], start: '09:00', end: '17:00', timezone: 'UTC' }] };
    assert.deepEqual(decideRun(snapshot('running', hosts, { spec: weekend })), [{ kind: 'wait', why: 'outside every maintenance window' }]);
    const monday = { maintenanceWindows: [{ days: ['mon' as const], start: '09:00', end: '17:00', timezone: 'UTC' }] };
    assert.equal(decideRun(snapshot('running', hosts, { spec: monday }))[0]!.kind, 'dispatch');
  });

  test('a failed host is always rolled back; within budget the wave goes on waiting for it', () => {
    const hosts = [host('a', 0, 0, failed), host('b', 0, 0, succeeded)];
    assert.deepEqual(decideRun(snapshot('running', hosts, { spec: { failureBudget: { perWave: 1, overall: 1 } } })), [
      { kind: 'rollback', hostnames: ['a'], reason: 'the host failed' },
      { kind: 'wait', why: 'wave 0: hosts in flight' },
    ]);
  });

  test('a spent budget is reported with its detail; acknowledged failures do not count', () => {
    const hosts = [host('a', 0, 0, { status: 'rolled-back', reason: 'x', hostFailed: true }), host('b', 0, 0)];
    const actions = decideRun(snapshot('running', hosts));
    assert.equal(actions.at(-1)!.kind, 'budget-spent');
    assert.match((actions.at(-1) as { detail: string }).detail, /1 of 2 hosts in this wave failed; the wave budget allows 0/);
    const acknowledged = [host('a', 0, 0, { status: 'rolled-back', reason: 'x', hostFailed: true }, true), host('b', 0, 0)];
    assert.equal(decideRun(snapshot('running', acknowledged)).at(-1)!.kind, 'dispatch');
    const healthyRolledBack = [host('a', 0, 0, { status: 'rolled-back', reason: 'wave rolled back', hostFailed: false }), host('b', 0, 0)];
    assert.equal(decideRun(snapshot('running', healthyRolledBack)).at(-1)!.kind, 'dispatch');
  });

  test('when every host of the wave is settled the wave soaks, then the runner completes it', () => {
    const hosts = [host('a', 0, 0, succeeded), host('b', 1, 0)];
    assert.deepEqual(decideRun(snapshot('running', hosts)), [{ kind: 'soak', wave: 0, startedAt: null, endsAt: null, last: false }]);
    const soaking = decideRun(snapshot('running', hosts, { soakStartedAt: '2026-11-23T09:59:30Z' }));
    assert.deepEqual(soaking, [{ kind: 'soak', wave: 0, startedAt: '2026-11-23T09:59:30Z', endsAt: new Date('2026-11-23T10:00:30Z'), last: false }]);
    assert.equal((decideRun(snapshot('running', [host('b', 1, 0, succeeded)], { wave: 1, soakStartedAt: '2026-11-23T09:00:00Z' }))[0] as { last: boolean }).last, true);
  });

  test('hosts a dead runner left in flight are driven on; its half-done rollbacks finish', () => {
    const hosts = [host('a', 0, 0, running), host('b', 0, 0, { status: 'rolling-back', reason: 'x', hostFailed: true })];
    const tolerant = { failureBudget: { perWave: 1, overall: 1 } };
    const actions = decideRun(snapshot('running', hosts, { spec: tolerant }));
    assert.deepEqual(actions.slice(0, 2), [
      { kind: 'rollback', hostnames: ['b'], reason: 'the host failed' },
      { kind: 'drive', hostnames: ['a'] },
    ]);
    assert.deepEqual(decideRun(snapshot('running', hosts, { spec: tolerant, busy: ['a', 'b'] })), [{ kind: 'wait', why: 'wave 0: hosts in flight' }]);
  });

  test('paused: hosts in flight finish, nothing new starts', () => {
    const hosts = [host('a', 0, 0, running), host('b', 0, 0)];
    assert.deepEqual(decideRun(snapshot('paused', hosts)), [
      { kind: 'drive', hostnames: ['a'] },
      { kind: 'wait', why: 'paused' },
    ]);
  });

  test('halted: settles failed hosts, then hands over to an operator', () => {
    assert.deepEqual(decideRun(snapshot('halted', [host('a', 0, 0, failed), host('b', 1, 0)]))[0], { kind: 'rollback', hostnames: ['a'], reason: 'the host failed' });
    assert.deepEqual(decideRun(snapshot('halted', [host('a', 0, 0, { status: 'rolled-back', reason: 'x', hostFailed: true }), host('b', 1, 0)])), [{ kind: 'halted' }]);
  });

  test('aborted: hosts in flight are rolled back, pending ones skipped, succeeded ones kept; then done', () => {
    const hosts = [host('a', 0, 0, running), host('b', 0, 0, succeeded), host('c', 1, 0)];
    assert.deepEqual(decideRun(snapshot('aborted', hosts)), [
      { kind: 'rollback', hostnames: ['a'], reason: 'rollout aborted' },
      { kind: 'skip', hostnames: ['c'], reason: 'rollout aborted before this host' },
    ]);
    assert.deepEqual(decideRun(snapshot('aborted', hosts.slice(0, 2), { busy: ['a'] })), [{ kind: 'wait', why: 'aborting: waiting for hosts in flight to stop' }]);
    assert.deepEqual(decideRun(snapshot('aborted', [host('b', 0, 0, succeeded)])), [{ kind: 'done' }]);
  });

  test('rolling back: newest wave first, one batch at a time, pending hosts skipped; finished when nothing is left', () => {
    const hosts = [host('a', 0, 0, succeeded), host('b', 1, 0, succeeded), host('c', 1, 1, succeeded), host('d', 2, 0)];
    assert.deepEqual(decideRun(snapshot('rolling-back', hosts)), [
      { kind: 'skip', hostnames: ['d'], reason: 'rollout rolled back before this host' },
      { kind: 'rollback', hostnames: ['c'], reason: 'rollout rolled back' },
    ]);
    assert.deepEqual(decideRun(snapshot('rolling-back', hosts.slice(0, 3), { busy: ['c'] })), [{ kind: 'wait', why: 'rolling back: a batch is in progress' }]);
    const undone = hosts.slice(0, 3).map((entry) => ({ ...entry, state: { status: 'rolled-back', reason: 'x', hostFailed: false } as HostState }));
    assert.deepEqual(decideRun(snapshot('rolling-back', undone)), [{ kind: 'rollback-finished' }]);
  });

  test('rolling back one wave touches only that wave and leaves pending hosts for a resume', () => {
    const hosts = [host('a', 0, 0, succeeded), host('b', 1, 0, succeeded), host('c', 1, 0)];
    assert.deepEqual(decideRun(snapshot('rolling-back', hosts, { rollbackWave: 1, wave: 1 })), [{ kind: 'rollback', hostnames: ['b'], reason: 'rollout rolled back' }]);
  });

  test('terminal rollouts are done', () => {
    for (const status of ['completed', 'rolled-back'] as const) assert.deepEqual(decideRun(snapshot(status, [host('a', 0, 0, succeeded)])), [{ kind: 'done' }]);
  });
});

describe('judgeSoak: what one reading of a soaking wave means', () => {
  const ok = (hostname: string) => ({ hostname, healthy: true, detail: 'ok' });
  const sick = (hostname: string) => ({ hostname, healthy: false, detail: 'check "netkit" failed' });
  const gate = (healthy: boolean) => ({ gate: 'errors', healthy, detail: healthy ? '0.01 <= 0.05' : '0.2 > 0.05' });
  type Checked = { hostname: string; healthy: boolean; detail: string };
  // The table lists every host's verdict; the reading carries the count and the unhealthy ones, as the runner gathers them.
  const reading = ({ hosts = [ok('a'), ok('b')], ...overrides }: Partial<Omit<SoakReading, 'hostsChecked' | 'unhealthyHosts'>> & { hosts?: Checked[] }): SoakReading => ({
    wave: 1,
    final: false,
    last: false,
    hostsChecked: hosts.length,
    unhealthyHosts: hosts.filter((host) => !host.healthy),
    gates: [gate(true)],
    gated: true,
    ...overrides,
  });
  test('table: hosts and gates, mid-soak and final', () => {
    const table: Array<[string, SoakReading, { healthy: boolean; unhealthy: string[]; event: unknown }]> = [
      ['mid-soak, all healthy: keep soaking', reading({}), { healthy: true, unhealthy: [], event: null }],
      ['final, all healthy: the wave completes', reading({ final: true, last: true }), { healthy: true, unhealthy: [], event: { type: 'WaveCompleted', wave: 1, last: true } }],
      ['a host fails its checks: it fails alone, the wave goes on soaking', reading({ hosts: [ok('a'), sick('b')] }), { healthy: false, unhealthy: ['b'], event: null }],
      ['final with a sick host: not completed on this reading', reading({ final: true, hosts: [sick('a'), ok('b')] }), { healthy: false, unhealthy: ['a'], event: null }],
      [
        'a gate fails: the wave fails, whatever the hosts say',
        reading({ gates: [gate(true), gate(false)] }),
        { healthy: false, unhealthy: [], event: { type: 'GateFailed', wave: 1, reason: 'health gate failed: gate errors: 0.2 > 0.05' } },
      ],
      [
        'a gate fails at the end: still a failure, not a completion',
        reading({ final: true, gates: [gate(false)] }),
        { healthy: false, unhealthy: [], event: { type: 'GateFailed', wave: 1, reason: 'health gate failed: gate errors: 0.2 > 0.05' } },
      ],
      [
        'no gates and no hosts to check: a final reading completes',
        reading({ final: true, hosts: [], gates: [], gated: false }),
        { healthy: true, unhealthy: [], event: { type: 'WaveCompleted', wave: 1, last: false } },
      ],
    ];
    for (const [name, given, expected] of table) {
      const verdict = judgeSoak(given);
      assert.deepEqual({ healthy: verdict.healthy, unhealthy: verdict.unhealthyHosts.map((host) => host.hostname), event: verdict.event }, expected, name);
    }
  });

  test('the detail names the count, the gates when the spec has any, and each sick host', () => {
    assert.equal(judgeSoak(reading({ hosts: [ok('a'), sick('b')] })).detail, '1/2 hosts pass their checks; 1 gates healthy; b: check "netkit" failed');
    assert.equal(judgeSoak(reading({ gates: [], gated: false })).detail, '2/2 hosts pass their checks');
    assert.equal(judgeSoak(reading({ hosts: [sick('b')] })).unhealthyHosts[0]!.reason, 'during the soak: check "netkit" failed');
  });
});
