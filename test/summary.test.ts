import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { summarizeFleet, UNPROBED } from '../src/fleet/summary.js';
import { makeHost } from './support/hosts.js';

const hosts = [
  makeHost({ hostname: 'a1', zone: 'a', runningKernel: '5.15.0-91', cniMode: 'veth' }),
  makeHost({ hostname: 'a2', zone: 'a', runningKernel: '5.15.0-91', cniMode: 'netkit' }),
  makeHost({ hostname: 'a3', zone: 'a', runningKernel: '5.15.0-200', cniMode: 'netkit' }),
  makeHost({ hostname: 'b1', zone: 'b', runningKernel: '5.15.0-91', cniMode: 'veth' }),
  makeHost({ hostname: 'x1', zone: null }),
];

describe('summarizeFleet', () => {
  test('counts kernel x CNI mode over the whole fleet, kernels in version order, unprobed last', () => {
    const summary = summarizeFleet(hosts, null);
    assert.equal(summary.total, 5);
    assert.deepEqual(summary.cniModes, ['veth', 'netkit', 'unknown']);
    assert.equal(summary.groups.length, 1);
    assert.deepEqual(summary.groups[0]!.kernels, [
      { kernel: '5.15.0-91', cni: { veth: 2, netkit: 1 }, total: 3 },
      { kernel: '5.15.0-200', cni: { netkit: 1 }, total: 1 },
      { kernel: UNPROBED, cni: { unknown: 1 }, total: 1 },
    ]);
  });

  test('groups by a failure domain, hosts without one last', () => {
    const summary = summarizeFleet(hosts, 'zone');
    assert.deepEqual(
      summary.groups.map((group) => [group.key, group.total]),
      [
        ['a', 3],
        ['b', 1],
        [null, 1],
      ],
    );
  });

  test('an empty fleet has no groups', () => {
    assert.deepEqual(summarizeFleet([], 'rack'), { groupBy: 'rack', total: 0, cniModes: [], groups: [] });
  });
});
