import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FleetwaveError } from '../src/errors.js';
import { compileSelector, parseSelector } from '../src/fleet/selector.js';
import { makeHost } from './support/hosts.js';

const fleet = [
  makeHost({ hostname: 'web-01', zone: 'a', rack: 'r1', runningKernel: '5.15.0-91-generic', cniMode: 'veth', netkitCapable: false, labels: { role: 'web', gpu: 'a100' } }),
  makeHost({ hostname: 'web-02', zone: 'a', rack: 'r7', runningKernel: '5.15.0-200-netkit', cniMode: 'netkit', netkitCapable: true, labels: { role: 'web' } }),
  makeHost({ hostname: 'db-01', zone: 'b', rack: 'r7', runningKernel: '6.1.0-13-amd64', cniMode: 'veth', port: 2222, labels: { role: 'db', zone: 'label-zone' } }),
  makeHost({ hostname: 'new-01', zone: null, rack: null }),
];

function select(selector: string): string[] {
  return fleet.filter(compileSelector(selector)).map((host) => host.hostname);
}

describe('selector matching', () => {
  const cases: [string, string[]][] = [
    ['', ['web-01', 'web-02', 'db-01', 'new-01']],
    ['zone=a', ['web-01', 'web-02']],
    ['zone==a', ['web-01', 'web-02']],
    ['zone=a,rack!=r7', ['web-01']],
    ['rack!=r7', ['web-01', 'new-01']],
    ['kernel~5.15', ['web-01', 'web-02']],
    ['kernel~^5\\.15,cni=veth', ['web-01']],
    ['kernel!~netkit', ['web-01', 'db-01', 'new-01']],
    ['hostname=web-*', ['web-01', 'web-02']],
    ['host=db-0?', ['db-01']],
    ['zone in (a, b)', ['web-01', 'web-02', 'db-01']],
    ['zone notin (a)', ['db-01', 'new-01']],
    ['gpu', ['web-01']],
    ['!gpu', ['web-02', 'db-01', 'new-01']],
    ['!zone', ['new-01']],
    ['zone=', ['new-01']],
    ['role=web', ['web-01', 'web-02']],
    ['netkit=true', ['web-02']],
    ['netkit=false', ['web-01']],
    ['port=2222', ['db-01']],
    ['labels.zone=label-zone', ['db-01']],
    ['zone=label-zone', []],
    [" role = 'web' , zone = a ", ['web-01', 'web-02']],
    ['kernel~"5\\.(15|16)"', ['web-01', 'web-02']],
    ['unknownlabel=x', []],
  ];
  for (const [selector, expected] of cases) {
    test(`${JSON.stringify(selector)} selects ${expected.join(', ') || 'nothing'}`, () => {
      assert.deepEqual(select(selector), expected);
    });
  }
});

describe('selector errors', () => {
  const cases: [string, RegExp][] = [
    ['zone=a,,rack=b', /expected a field or label key at column 8/],
    ['zone>a', /expected one of = != ~ !~ in notin after the key at column 5/],
    ['zone in a', /expected "\("/],
    ['zone in (a,b', /expected "," before the end/],
    ['kernel~(', /invalid regular expression/],
    ["role='web", /unterminated quoted value/],
    ['=a', /expected a field or label key at column 1/],
  ];
  for (const [selector, message] of cases) {
    test(`${JSON.stringify(selector)} is rejected with a position`, () => {
      assert.throws(
        () => parseSelector(selector),
        (error: unknown) => error instanceof FleetwaveError && error.code === 'SELECTOR_INVALID' && message.test(error.message),
      );
    });
  }
});
