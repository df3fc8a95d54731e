import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Statement } from 'better-sqlite3';
import { openDatabase } from '../src/adapters/store/database.js';
import { seededRandom } from '../src/adapters/simulated-fleet.js';
import { openStore } from '../src/adapters/store/store.js';
import { MIGRATIONS_DIR } from '../src/paths.js';
import type { HostState } from '../src/rollout/host-machine.js';
import { decideRun, SKIP_CHUNK, viewOfHosts } from '../src/rollout/run-decision.js';
import { rolloutStatus } from '../src/services/rollout-status.js';
import { RolloutSpecSchema } from '../src/rollout/spec.js';
import { tempDir } from './support/temp.js';

const STATES: HostState[] = [
  { status: 'pending' },
  { status: 'running', step: 1 },
  { status: 'verifying' },
  { status: 'succeeded' },
  { status: 'failed', reason: 'x' },
  { status: 'rolling-back', reason: 'x', hostFailed: true },
  { status: 'rolling-back', reason: 'x', hostFailed: false },
  { status: 'rolled-back', reason: 'x', hostFailed: true },
  { status: 'rolled-back', reason: 'x', hostFailed: false },
  { status: 'rollback-failed', reason: 'x', hostFailed: true },
  { status: 'skipped', reason: 'x' },
];

function plannedRollout(name: string, waves: number[][]) {
  const dbPath = path.join(tempDir('fleetwave-run-view-'), 'fleet.db');
  const store = openStore({ path: dbPath, create: true });
  const spec = RolloutSpecSchema.parse({ name, kind: 'kernel', target: '6.12.0', playbook: 'p', parallel: 7 });
  let counter = 0;
  const plan = {
    waves: waves.map((sizes, index) => ({ index, canary: index === 0, batches: sizes.map((size) => Array.from({ length: size }, () => `h${String(counter++).padStart(6, '0')}`)) })),
    excluded: [],
    problems: [],
    hostCount: 0,
  };
  store.write(() => store.rollouts.create(spec, 'sha', null, plan, '2026-12-01T00:00:00Z'));
  return { store, spec, dbPath, hostnames: plan.waves.flatMap((wave) => wave.batches.flat()) };
}

describe('the runner reads a bounded view of a rollout', () => {
  test('the view read with SQL (tallies kept by triggers) equals the view computed from every host', () => {
    const { store, hostnames } = plannedRollout('r', [[1], [9, 9, 9], [20, 20], [40]]);
    const next = seededRandom(20261201);
    for (let round = 0; round < 12; round += 1) {
      store.write(() => {
        for (const hostname of hostnames) if (next() < 0.3) store.rollouts.saveHostState('r', hostname, STATES[Math.floor(next() * STATES.length)]!, '2026-12-01T00:00:01Z');
        if (round % 4 === 3) store.rollouts.acknowledgeFailures('r');
      });
      const all = store.rollouts.hosts('r');
      for (const wave of [0, 1, 2, 3]) {
        for (const rollbackWave of [null, wave]) {
          for (const status of ['running', 'rolling-back', 'aborted', 'paused'] as const) {
            const held = new Set(hostnames.filter(() => next() < 0.05));
            const at = { status, wave, rollbackWave, parallel: 7, held };
            assert.deepEqual(store.rollouts.runView('r', at), viewOfHosts(all, at), `round ${round}, ${status}, wave ${wave}, rollback wave ${rollbackWave}`);
          }
        }
      }
      assert.equal(store.rollouts.find('r')!.hosts, hostnames.length, 'the host count comes from the tallies');
    }
  });

  test('a tick over a 200,000-host rollout: an abort skips pending hosts a chunk per tick; running decisions never see the whole rollout', () => {
    // 200,000 hosts made `rollout run` die at once before the view was bounded (an argument spread over every host).
    const { store, spec } = plannedRollout('big', [[1], [5000], [195_000]]);
    const at = { wave: 1, rollbackWave: null, parallel: spec.parallel, held: new Set<string>() };
    const aborting = store.rollouts.runView('big', { ...at, status: 'aborted' });
    assert.equal(aborting.pendingAny.length, SKIP_CHUNK);
    assert.deepEqual([aborting.nextBatch, aborting.rollbackBatch, aborting.idle], [[], [], []], 'an abort reads no batch');
    const snapshot = { rollout: { status: 'aborted' as const, wave: 1, reason: null, rollbackWave: null, soakStartedAt: null }, spec, ...aborting, frozen: null, now: new Date(), held: new Map() };
    const [skip] = decideRun(snapshot);
    assert.equal(skip!.kind, 'skip');
    assert.equal((skip as { hostnames: string[] }).hostnames.length, SKIP_CHUNK);
    const view = store.rollouts.runView('big', { ...at, status: 'running' });
    assert.equal(view.nextBatch.length, spec.parallel, 'the next batch is read up to parallel hosts');
    assert.deepEqual([view.pendingAny, view.rollbackBatch], [[], []], 'running reads no pending chunk and no batch to undo');
    const running = decideRun({ ...snapshot, ...view, rollout: { ...snapshot.rollout, status: 'running' } });
    assert.deepEqual(running, [{ kind: 'dispatch', wave: 1, batch: 0, hostnames: view.nextBatch.map((host) => host.hostname) }]);
  });

  test('no statement of the rollout repository walks every host of a rollout, but the two that list them all', () => {
    // A statement that orders by plan order alone made SQLite walk the plan-order index over the
    // whole rollout and filter by status: a pause of a million-host rollout took 1.1 s.
    const { store } = plannedRollout('plans', [[1]]);
    const listEveryHost = new Set(['selectHosts', 'selectPage']);
    const statements = Object.entries(store.rollouts as unknown as Record<string, unknown>).filter(
      (entry): entry is [string, Statement] => entry[1] instanceof Object && typeof (entry[1] as Statement).source === 'string',
    );
    assert.ok(statements.length > 20, `found the repository's statements (${statements.length})`);
    const walking = statements
      .filter(([name]) => !listEveryHost.has(name))
      .flatMap(([name, statement]) => {
        const names = [...statement.source.matchAll(/[:@](\w+)/g)].map((match) => match[1]!);
        const explain = store.db.prepare(`EXPLAIN QUERY PLAN ${statement.source}`);
        const rows = (
          names.length > 0
            ? explain.all(Object.fromEntries(names.map((key) => [key, key === 'statuses' ? '[]' : 1])))
            : explain.all(...Array.from({ length: (statement.source.match(/\?/g) ?? []).length }, () => '[]'))
        ) as Array<{ detail: string }>;
        return rows.filter((row) => /^SCAN rollout_hosts|rollout_hosts USING (COVERING )?INDEX \w+ \(rollout=\?\)$/.test(row.detail)).map((row) => `${name}: ${row.detail}`);
      });
    assert.deepEqual(walking, []);
  });

  test('rollout status answers from the tallies and pages the host list, also by state', () => {
    const { store, dbPath, hostnames } = plannedRollout('paged', [[1], [30, 30], [60]]);
    const failed = hostnames.filter((_, index) => index % 7 === 3);
    store.write(() => {
      for (const hostname of hostnames.slice(0, 61)) store.rollouts.saveHostState('paged', hostname, { status: 'succeeded' }, '2026-12-01T00:00:02Z');
      for (const hostname of failed) store.rollouts.saveHostState('paged', hostname, { status: 'failed', reason: 'x' }, '2026-12-01T00:00:03Z');
    });
    const all = store.rollouts.hosts('paged');
    const status = (hosts: Parameters<typeof rolloutStatus>[0]['hosts']) => rolloutStatus({ dbPath, name: 'paged', events: 0, now: new Date(), ...(hosts ? { hosts } : {}) });
    const whole = status(undefined);
    assert.deepEqual(
      whole.waves.map((wave) => [wave.wave, wave.hosts, wave.byStatus]),
      [0, 1, 2].map((wave) => {
        const members = all.filter((host) => host.wave === wave);
        const byStatus: Record<string, number> = {};
        for (const host of members) byStatus[host.state.status] = (byStatus[host.state.status] ?? 0) + 1;
        return [wave, members.length, byStatus];
      }),
    );
    assert.equal(whole.hosts.length, hostnames.length, 'the default page holds a rollout this small whole');
    const page = status({ states: ['failed'], limit: 5, offset: 5 });
    assert.deepEqual(page.hostPage, { states: ['failed'], matching: failed.length, offset: 5, limit: 5 });
    assert.deepEqual(
      page.hosts.map((host) => host.hostname),
      failed.slice(5, 10),
      'failed hosts, in plan order, the second page',
    );
    const two = status({ states: ['failed', 'pending'], limit: 0, offset: 0 });
    assert.equal(two.hosts.length, two.hostPage.matching);
    assert.deepEqual(new Set(two.hosts.map((host) => host.state.status)), new Set(['failed', 'pending']));
  });

  test('a database with rollouts under way before the tallies existed gets them counted when it is opened', () => {
    // Schema 8 (before migration 009), with a rollout whose hosts are in several states.
    const dir = tempDir('fleetwave-run-view-');
    const older = path.join(dir, 'migrations-8');
    mkdirSync(older);
    for (const file of readdirSync(MIGRATIONS_DIR).filter((name) => Number(name.slice(0, 3)) <= 8)) cpSync(path.join(MIGRATIONS_DIR, file), path.join(older, file));
    const dbPath = path.join(dir, 'fleet.db');
    const db = openDatabase({ path: dbPath, create: true, migrationsDir: older });
    const at = '2026-11-30T00:00:00Z';
    db.prepare("INSERT INTO rollouts (name, kind, target, spec, spec_sha256, status, created_at, updated_at) VALUES ('old', 'kernel', '6.12.0', '{}', 'sha', 'running', ?, ?)").run(at, at);
    const states = [
      { status: 'succeeded' },
      { status: 'failed', reason: 'x' },
      { status: 'rolled-back', reason: 'x', hostFailed: true },
      { status: 'running', step: 1 },
      { status: 'pending' },
      { status: 'pending' },
    ];
    states.forEach((state, index) =>
      db
        .prepare('INSERT INTO rollout_hosts (rollout, hostname, wave, batch, position, state, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?)')
        .run('old', `h${index}`, index < 4 ? 0 : 1, index, JSON.stringify(state), at),
    );
    db.close();
    const store = openStore({ path: dbPath, create: false });
    const request = { status: 'running' as const, wave: 0, rollbackWave: null, parallel: 10, held: new Set<string>() };
    const view = store.rollouts.runView('old', request);
    assert.deepEqual(view, viewOfHosts(store.rollouts.hosts('old'), request));
    assert.deepEqual(
      view.tallies.map((tally) => [tally.wave, tally.status, tally.hosts, tally.unacknowledgedFailures]),
      [
        [0, 'failed', 1, 1],
        [0, 'rolled-back', 1, 1],
        [0, 'running', 1, 0],
        [0, 'succeeded', 1, 0],
        [1, 'pending', 2, 0],
      ],
    );
    assert.equal(store.rollouts.find('old')!.hosts, 6);
    store.close();
  });
});
