import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Clock } from '../src/adapters/clock.js';
import { openStore } from '../src/adapters/store/store.js';
import type { AuditEvent } from '../src/audit/event.js';
import { replayFleet } from '../src/fleet/fleet-history.js';
import type { Host } from '../src/fleet/host.js';
import { eventTimeline } from '../src/audit/event-timeline.js';
import { summarizeFleet } from '../src/fleet/summary.js';
import { unquarantineHosts } from '../src/services/fleet-quarantine.js';
import { fleetAt, hostHistory, selectHosts, showHost, summarizeHosts } from '../src/services/fleet-queries.js';
import { importInventory } from '../src/services/import-inventory.js';
import { importSimulatedFleet, planSimulatedRollout, runSimulatedRollout, simulatedHostname } from '../src/services/simulation/simulated-rollout.js';
import { tempDir } from './support/temp.js';

/**
 * A clock that moves one millisecond every time it is read. A row and the event describing it
 * must share one time stamp; with this clock, a write that reads the clock twice shows up as a
 * replayed fleet that differs from the live table.
 */
function tickingClock(start = Date.parse('2026-11-01T00:00:00Z')): Clock & { peek(): string } {
  let ms = start;
  return { now: () => new Date(ms++), peek: () => new Date(ms).toISOString() };
}

let nextId = 1;
function event(at: string, host: string, action: string, details: Record<string, unknown>): AuditEvent {
  return { id: nextId++, at, actorUser: 'op', actorMachine: 'box', reason: null, subject: `host:${host}`, host, action, details, prevHash: '', hash: '' };
}

const added = (at: string, hostname: string, extra: Record<string, unknown> = {}) =>
  event(at, hostname, 'host.added', { hostname, address: `10.0.0.${hostname.length}`, port: null, user: null, cluster: 'c1', zone: 'z1', rack: 'r1', labels: { role: 'web' }, ...extra });

describe('replaying the fleet from its events (pure)', () => {
  const T = (minute: number) => `2026-11-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
  const probe = {
    runningKernel: '5.15.0-91',
    defaultKernel: '6.12.0',
    nextBootKernel: null,
    installedKernels: ['5.15.0-91', '6.12.0'],
    bootId: 'b-1',
    uptimeSeconds: 12.5,
    netkitCapable: false,
    netkitDetail: 'CONFIG_NETKIT unset',
    cniMode: 'veth',
  };

  const cases: Array<{ name: string; events: AuditEvent[]; expect: (hosts: Host[]) => void }> = [
    {
      name: 'an added host has its inventory fields and nothing observed yet',
      events: [added(T(1), 'web-1')],
      expect: ([host]) => {
        assert.deepEqual([host!.hostname, host!.cluster, host!.labels, host!.runningKernel, host!.bootId, host!.lastProbedAt], ['web-1', 'c1', { role: 'web' }, null, null, null]);
        assert.deepEqual([host!.createdAt, host!.updatedAt], [T(1), T(1)]);
      },
    },
    {
      name: 'an import change applies each listed field, the kernel included',
      events: [
        added(T(1), 'web-1'),
        event(T(2), 'web-1', 'host.updated', {
          changes: [
            { field: 'rack', from: 'r1', to: 'r9' },
            { field: 'labels', from: { role: 'web' }, to: { role: 'db' } },
            { field: 'runningKernel', from: null, to: '5.15.0-1' },
            { field: 'port', from: null, to: 2222 },
          ],
        }),
      ],
      expect: ([host]) => assert.deepEqual([host!.rack, host!.labels, host!.runningKernel, host!.port, host!.updatedAt, host!.createdAt], ['r9', { role: 'db' }, '5.15.0-1', 2222, T(2), T(1)]),
    },
    {
      name: 'a probe sets every observed fact and the probe time',
      events: [added(T(1), 'web-1'), event(T(3), 'web-1', 'host.probed', { changed: [], rebooted: false, ...probe })],
      expect: ([host]) => {
        const observed = Object.fromEntries(Object.keys({ ...probe, lastProbedAt: null, updatedAt: null }).map((key) => [key, host![key as keyof Host]]));
        assert.deepEqual(observed, { ...probe, lastProbedAt: T(3), updatedAt: T(3) });
      },
    },
    {
      name: 'a probe written before probes recorded boot ids leaves them unknown, not stale',
      events: [
        added(T(1), 'web-1'),
        event(T(3), 'web-1', 'host.probed', probe),
        event(T(4), 'web-1', 'host.probed', { runningKernel: '6.12.0', defaultKernel: '6.12.0', nextBootKernel: null, netkitCapable: true, cniMode: 'netkit' }),
      ],
      expect: ([host]) => assert.deepEqual([host!.runningKernel, host!.bootId, host!.installedKernels, host!.netkitCapable], ['6.12.0', null, [], true]),
    },
    {
      name: "quarantine adds fleetwave's label and lifting it removes only that label",
      events: [added(T(1), 'web-1'), event(T(2), 'web-1', 'host.quarantined', { label: 'fleetwave/quarantine', value: 'k1' })],
      expect: ([host]) => assert.deepEqual(host!.labels, { role: 'web', 'fleetwave/quarantine': 'k1' }),
    },
    {
      name: 'an unquarantined host keeps its other labels',
      events: [
        added(T(1), 'web-1'),
        event(T(2), 'web-1', 'host.quarantined', { label: 'fleetwave/quarantine', value: 'k1' }),
        event(T(3), 'web-1', 'host.unquarantined', { label: 'fleetwave/quarantine', was: 'k1' }),
      ],
      expect: ([host]) => assert.deepEqual([host!.labels, host!.updatedAt], [{ role: 'web' }, T(3)]),
    },
    {
      name: 'a removed host is gone, and added again it starts over',
      events: [added(T(1), 'web-1'), event(T(2), 'web-1', 'host.probed', probe), event(T(3), 'web-1', 'host.removed', {}), added(T(4), 'web-1', { rack: 'r2' })],
      expect: ([host]) => assert.deepEqual([host!.rack, host!.createdAt, host!.runningKernel, host!.lastProbedAt], ['r2', T(4), null, null]),
    },
    {
      name: 'a probe of a host removed meanwhile brings nothing back',
      events: [added(T(1), 'web-1'), event(T(2), 'web-1', 'host.removed', {}), event(T(3), 'web-1', 'host.probed', probe)],
      expect: (hosts) => assert.deepEqual(hosts, []),
    },
    {
      name: 'events that change no host (exec, key pins, rollout steps) leave the fleet alone, and hosts come out sorted by name',
      events: [added(T(1), 'web-2'), added(T(1), 'web-10'), event(T(2), 'web-2', 'host.exec', { command: 'uptime' }), event(T(2), 'web-2', 'rollout.host.step', { index: 0 })],
      expect: (hosts) =>
        assert.deepEqual(
          hosts.map((host) => [host.hostname, host.updatedAt]),
          [
            ['web-10', T(1)],
            ['web-2', T(1)],
          ],
        ),
    },
  ];
  for (const { name, events, expect } of cases) test(name, () => expect(replayFleet(events)));
});

describe('a host timeline in words (pure)', () => {
  test('each kind of event reads as what happened, with its rollout', () => {
    const at = '2026-11-01T00:00:00.000Z';
    const rolloutEvent = (action: string, details: Record<string, unknown>): AuditEvent => ({ ...event(at, 'web-1', action, details), subject: 'rollout:k-515' });
    const entries = eventTimeline([
      added(at, 'web-1'),
      event(at, 'web-1', 'host.probed', {
        rollout: 'k-515',
        purpose: 'baseline',
        runningKernel: '5.15.0',
        defaultKernel: '6.12.0',
        nextBootKernel: null,
        cniMode: 'veth',
        netkitCapable: false,
        rebooted: true,
        bootId: 'b-2',
      }),
      rolloutEvent('rollout.host.dispatched', { wave: 1, batch: 2 }),
      rolloutEvent('rollout.host.step', { index: 0, name: 'install', outcome: 'failed', detail: 'exit 3', durationMs: 40 }),
      rolloutEvent('rollout.host.rolling-back', { from: 'running', reason: 'install: exit 3' }),
      event(at, 'web-1', 'host.quarantined', { label: 'fleetwave/quarantine', value: 'k-515' }),
      event(at, 'web-1', 'host.something-new', { a: 1 }),
    ]);
    assert.deepEqual(
      entries.map((entry) => [entry.rollout, entry.summary]),
      [
        [null, 'added to the inventory: 10.0.0.5, cluster c1, zone z1, rack r1'],
        ['k-515', 'probed (baseline): kernel 5.15.0 (default 6.12.0), cni veth, netkit no; rebooted since the last probe, boot id b-2'],
        ['k-515', 'dispatched in wave 1, batch 2'],
        ['k-515', 'step 0 "install": failed in 40 ms (exit 3)'],
        ['k-515', 'running -> rolling-back: install: exit 3'],
        [null, 'quarantined: fleetwave/quarantine=k-515'],
        [null, 'host.something-new {"a":1}'],
      ],
    );
  });
});

describe('the fleet at any time, from the audit trail of a real SQLite fleet', () => {
  test('imports, a rollout with a failed rollback, and an unquarantine: the replay equals the live table at every point, and the host history tells it in order', async () => {
    const dir = tempDir('fleetwave-history-');
    const clock = tickingClock();
    const { dbPath } = importSimulatedFleet({ dir, hosts: 24, clock });
    const live = () => {
      const store = openStore({ path: dbPath, create: false });
      try {
        return store.hosts.all();
      } finally {
        store.close();
      }
    };
    const afterFirstImport = { at: clock.peek(), hosts: live() };

    // A second inventory: two hosts move rack, one gets a port and a label, one leaves (prune), one joins.
    const csv = ['hostname,address,port,cluster,zone,rack,labels'];
    for (let index = 0; index < 24; index += 1) {
      if (index === 5) continue;
      const zone = index % 12;
      csv.push(
        `${simulatedHostname(index)},10.0.0.${index},${index === 2 ? '2222' : ''},c${index % 4},zone-${zone},rack-${zone}-${index < 2 ? 'moved' : Math.floor(index / 40) % 250},${index === 2 ? 'team=db' : ''}`,
      );
    }
    csv.push(`${simulatedHostname(99)},10.0.0.99,,c3,zone-3,rack-3-0,`);
    writeFileSync(path.join(dir, 'next.csv'), `${csv.join('\n')}\n`);
    importInventory({ dbPath, file: path.join(dir, 'next.csv'), prune: true, dryRun: false, reason: 'second inventory', clock });
    const afterSecondImport = { at: clock.peek(), hosts: live() };

    // A rollout in which one host's change and its undo both fail: rolled back, failed, quarantined.
    const broken = simulatedHostname(7);
    planSimulatedRollout({ dir, hosts: 24, clock, spec: { waves: [1, '100%'], canary: 1, parallel: 6, failureBudget: { perWave: 5, overall: 5 } } });
    const { result } = await runSimulatedRollout(
      { dbPath, name: 'simulated' },
      { clock, pollMs: 5, fleet: { fails: (hostname, command) => hostname === broken && /install-kernel|remove-kernel/.test(command) } },
    );
    assert.equal(result.status, 'completed');
    const afterRollout = { at: clock.peek(), hosts: live() };
    assert.equal(afterRollout.hosts.find((host) => host.hostname === broken)!.labels['fleetwave/quarantine'], 'rollback failed in rollout simulated', 'the failed rollback quarantined the host');
    assert.ok(
      afterRollout.hosts.every((host) => host.lastProbedAt !== null),
      'every host was probed by the rollout',
    );

    unquarantineHosts({ dbPath, hostnames: [broken], reason: 'looked at it', clock });
    const now = live();

    const store = openStore({ path: dbPath, create: false });
    try {
      assert.deepEqual(fleetAt(store, '2099-01-01T00:00:00.000Z'), now, 'the replay of every event is the live table');
      for (const point of [afterFirstImport, afterSecondImport, afterRollout]) assert.deepEqual(fleetAt(store, point.at), point.hosts, `the fleet before ${point.at}`);
      assert.deepEqual(fleetAt(store, '2026-10-01T00:00:00.000Z'), [], 'before the first import there was no fleet');
    } finally {
      store.close();
    }

    // The services behind `fleet list|summary|show --at` answer from the replay.
    const clockNow = { now: () => new Date('2026-12-01T00:00:00Z') };
    const listed = selectHosts({ dbPath, at: afterFirstImport.at, where: 'rack~moved', clock: clockNow });
    assert.deepEqual(listed, { at: afterFirstImport.at, hosts: [] }, 'no host had moved rack yet');
    assert.deepEqual(
      selectHosts({ dbPath, at: afterSecondImport.at, where: 'rack~moved', clock: clockNow }).hosts.map((host) => host.hostname),
      [simulatedHostname(0), simulatedHostname(1)],
    );
    assert.deepEqual(summarizeHosts({ dbPath, groupBy: 'zone', at: afterRollout.at, clock: clockNow }), { ...summarizeFleet(afterRollout.hosts, 'zone'), where: null, at: afterRollout.at });
    const gone = simulatedHostname(5);
    assert.deepEqual(
      showHost({ dbPath, hostname: gone, events: 3, at: afterFirstImport.at, clock: clockNow }).host,
      afterFirstImport.hosts.find((host) => host.hostname === gone),
      "one host replayed from its own events is that host in the whole fleet's replay",
    );
    assert.deepEqual(
      showHost({ dbPath, hostname: broken, events: 3, at: afterRollout.at, clock: clockNow }).host,
      afterRollout.hosts.find((host) => host.hostname === broken),
    );
    assert.throws(() => showHost({ dbPath, hostname: gone, events: 3, at: afterSecondImport.at, clock: clockNow }), /no host named sim-0000005 in the fleet at/);

    const history = hostHistory({ dbPath, hostname: broken, limit: 0, clock: clockNow });
    const story = history.entries.map((entry) => `${entry.action} ${entry.summary}`);
    const order = [
      /^host\.added /,
      /^rollout\.host\.dispatched /,
      /^host\.probed probed \(baseline\)/,
      /^rollout\.host\.step step 0 "install the kernel": failed/,
      /^rollout\.host\.rollback rollback step 0 "remove the kernel": failed/,
      /^host\.quarantined quarantined: fleetwave\/quarantine=rollback failed in rollout simulated/,
      /^host\.unquarantined quarantine lifted/,
    ];
    let from = 0;
    for (const pattern of order) {
      const found = story.findIndex((line, index) => index >= from && pattern.test(line));
      assert.ok(found >= 0, `${pattern} after entry ${from} in:\n${story.join('\n')}`);
      from = found + 1;
    }
    assert.equal(history.entries.at(-1)!.reason, 'looked at it');
    assert.deepEqual(
      hostHistory({ dbPath, hostname: broken, limit: 2, clock: clockNow }).entries.map((entry) => entry.id),
      history.entries.slice(-2).map((entry) => entry.id),
      '--limit keeps the newest',
    );
    assert.throws(() => hostHistory({ dbPath, hostname: 'never-seen', limit: 0, clock: clockNow }), /holds no event about a host named never-seen/);
  });
});
