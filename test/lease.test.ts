import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeLease } from '../src/rollout/lease.js';

describe('judgeLease: one rule for whether a runner is alive', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const here = { machine: 'ctl-1', pidAlive: (pid: number) => pid === 100 };
  const lease = (heartbeatAt: string, machine: string, pid: number) => ({ heartbeatAt, ttlMs: 30_000, machine, pid });
  test('fresh heartbeat and a running process; a stale heartbeat; a local process that is gone; a remote pid is not ours to check', () => {
    const table: Array<[string, ReturnType<typeof lease>, ReturnType<typeof judgeLease>]> = [
      ['alive here', lease('2026-12-01T09:59:50Z', 'ctl-1', 100), { alive: true }],
      ['heartbeat exactly at the TTL', lease('2026-12-01T09:59:30Z', 'ctl-1', 100), { alive: true }],
      ['expired', lease('2026-12-01T09:59:00Z', 'ctl-1', 100), { alive: false, why: 'its heartbeat is 60s old, past its 30s lease' }],
      ['killed -9 on this machine, heartbeat still fresh', lease('2026-12-01T09:59:55Z', 'ctl-1', 200), { alive: false, why: 'pid 200 is no longer running on ctl-1' }],
      ['another machine: the heartbeat decides', lease('2026-12-01T09:59:55Z', 'ctl-2', 200), { alive: true }],
      ['an unreadable heartbeat is not alive', lease('not a time', 'ctl-2', 200), { alive: false, why: 'its heartbeat time "not a time" is unreadable' }],
    ];
    for (const [name, given, expected] of table) assert.deepEqual(judgeLease(given, now, here), expected, name);
  });
});
