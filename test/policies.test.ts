import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inMaintenanceWindow, judgeFailureBudget } from '../src/rollout/policies.js';

describe('failure budget', () => {
  const cases: [string, Parameters<typeof judgeFailureBudget>[0], Parameters<typeof judgeFailureBudget>[1], boolean, string | null][] = [
    ['no failures, zero budget', { perWave: 0, overall: 0, onSpent: 'pause' }, { waveHosts: 10, waveFailed: 0, plannedHosts: 100, totalFailed: 0 }, false, null],
    ['one failure spends a zero wave budget', { perWave: 0, overall: 5, onSpent: 'pause' }, { waveHosts: 10, waveFailed: 1, plannedHosts: 100, totalFailed: 1 }, true, 'wave'],
    ['within a count budget', { perWave: 2, overall: 5, onSpent: 'pause' }, { waveHosts: 10, waveFailed: 2, plannedHosts: 100, totalFailed: 2 }, false, null],
    ['10% of a 10-host wave is 1', { perWave: { percent: 10 }, overall: 50, onSpent: 'pause' }, { waveHosts: 10, waveFailed: 2, plannedHosts: 100, totalFailed: 2 }, true, 'wave'],
    ['5% of a 3-host wave still allows one', { perWave: { percent: 5 }, overall: 50, onSpent: 'pause' }, { waveHosts: 3, waveFailed: 1, plannedHosts: 100, totalFailed: 1 }, false, null],
    [
      'the overall budget catches failures spread over waves',
      { perWave: 1, overall: 3, onSpent: 'rollback-all' },
      { waveHosts: 10, waveFailed: 1, plannedHosts: 100, totalFailed: 4 },
      true,
      'overall',
    ],
  ];
  for (const [name, budget, counts, spent, scope] of cases) {
    test(name, () => {
      const judgement = judgeFailureBudget(budget, counts);
      assert.deepEqual([judgement.spent, judgement.scope], [spent, scope]);
    });
  }
});

describe('maintenance windows', () => {
  const weekdayDaytime = [{ days: ['mon', 'tue', 'wed', 'thu'] as ('mon' | 'tue' | 'wed' | 'thu')[], start: '09:00', end: '16:00', timezone: 'Europe/Berlin' }];
  const fridayNight = [{ days: ['fri'] as 'fri'[], start: '22:00', end: '04:00', timezone: 'America/New_York' }];
  const cases: [string, typeof weekdayDaytime | typeof fridayNight | [], string, boolean][] = [
    ['no windows: always', [], '2026-11-22T03:00:00Z', true],
    // 2026-11-23 is a Monday; Berlin is UTC+1 in November.
    ['Monday 10:30 Berlin is inside', weekdayDaytime, '2026-11-23T09:30:00Z', true],
    ['Monday 08:59 Berlin is before', weekdayDaytime, '2026-11-23T07:59:00Z', false],
    ['Monday 16:00 Berlin is the end, outside', weekdayDaytime, '2026-11-23T15:00:00Z', false],
    ['Friday 10:00 Berlin is not a listed day', weekdayDaytime, '2026-11-27T09:00:00Z', false],
    // New York is UTC-5 in November; 2026-11-27 is a Friday.
    ['Friday 23:00 New York is inside a window past midnight', fridayNight, '2026-11-28T04:00:00Z', true],
    ['Saturday 03:30 New York is still inside it', fridayNight, '2026-11-28T08:30:00Z', true],
    ['Saturday 04:00 New York is over', fridayNight, '2026-11-28T09:00:00Z', false],
    ['Thursday 23:00 New York is not the Friday window', fridayNight, '2026-11-27T04:00:00Z', false],
  ];
  for (const [name, windows, at, expected] of cases) test(name, () => assert.equal(inMaintenanceWindow(windows, new Date(at)), expected));
});
