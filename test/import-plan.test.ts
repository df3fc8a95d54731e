import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planImport } from '../src/fleet/import-plan.js';
import { makeHost } from './support/hosts.js';

const existing = [
  makeHost({ hostname: 'a', address: '127.0.0.1', zone: 'z1', labels: { role: 'web' }, runningKernel: '5.15.0-91' }),
  makeHost({ hostname: 'b', address: '127.0.0.2', zone: 'z1', port: 2222 }),
  makeHost({ hostname: 'c', address: '127.0.0.3' }),
];

describe('planImport', () => {
  test('adds new hosts with defaults: address falls back to the hostname, labels sorted', () => {
    const plan = planImport([], [{ hostname: 'n1', labels: { z: '1', a: '2' } }], { prune: false });
    assert.deepEqual(plan.added, [{ fields: { hostname: 'n1', address: 'n1', port: null, user: null, cluster: null, zone: null, rack: null, labels: { a: '2', z: '1' } } }]);
    assert.deepEqual(Object.keys(plan.added[0]!.fields.labels), ['a', 'z']);
  });

  test('identical hosts are unchanged, and label order does not matter', () => {
    const plan = planImport(existing, [{ hostname: 'a', address: '127.0.0.1', zone: 'z1', labels: { role: 'web' } }], { prune: false });
    assert.equal(plan.unchanged, 1);
    assert.deepEqual(plan.changed, []);
  });

  test('the file is the truth for inventory fields: an omitted port is cleared', () => {
    const plan = planImport(existing, [{ hostname: 'b', address: '127.0.0.2', zone: 'z2' }], { prune: false });
    assert.deepEqual(plan.changed[0]!.changes, [
      { field: 'port', from: 2222, to: null },
      { field: 'zone', from: 'z1', to: 'z2' },
    ]);
  });

  test('an omitted kernel leaves the probed kernel alone; a given one is a change', () => {
    const without = planImport(existing, [{ hostname: 'a', address: '127.0.0.1', zone: 'z1', labels: { role: 'web' } }], { prune: false });
    assert.equal(without.unchanged, 1);
    const withKernel = planImport(existing, [{ hostname: 'a', address: '127.0.0.1', zone: 'z1', labels: { role: 'web' }, kernel: '6.1.0' }], { prune: false });
    assert.deepEqual(withKernel.changed[0]!.changes, [{ field: 'runningKernel', from: '5.15.0-91', to: '6.1.0' }]);
  });

  test('label changes are reported as before/after maps', () => {
    const plan = planImport(existing, [{ hostname: 'a', address: '127.0.0.1', zone: 'z1', labels: { role: 'db' } }], { prune: false });
    assert.deepEqual(plan.changed[0]!.changes, [{ field: 'labels', from: { role: 'web' }, to: { role: 'db' } }]);
  });

  test('hosts missing from the file are removed only with prune', () => {
    const incoming = [{ hostname: 'a', address: '127.0.0.1', zone: 'z1', labels: { role: 'web' } }];
    assert.deepEqual(planImport(existing, incoming, { prune: false }).removed, []);
    assert.deepEqual(planImport(existing, incoming, { prune: true }).removed, ['b', 'c']);
  });
});
