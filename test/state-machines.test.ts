import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countsAsFailure, inFlight, InvalidTransitionError, needsRollback, transitionHost, type HostEvent, type HostState } from '../src/rollout/host-machine.js';
import { transitionRollout, type RolloutEvent, type RolloutState, type RolloutStatus } from '../src/rollout/rollout-machine.js';

const playbook = { stepCount: 3 };

const hostStates: Record<HostState['status'], HostState> = {
  pending: { status: 'pending' },
  running: { status: 'running', step: 1 },
  verifying: { status: 'verifying' },
  succeeded: { status: 'succeeded' },
  failed: { status: 'failed', reason: 'x' },
  'rolling-back': { status: 'rolling-back', reason: 'x', hostFailed: false },
  'rolled-back': { status: 'rolled-back', reason: 'x', hostFailed: false },
  'rollback-failed': { status: 'rollback-failed', reason: 'x', hostFailed: false },
  skipped: { status: 'skipped', reason: 'x' },
};

const hostEvents: Record<HostEvent['type'], HostEvent> = {
  Dispatched: { type: 'Dispatched' },
  StepSucceeded: { type: 'StepSucceeded', step: 1 },
  StepFailed: { type: 'StepFailed', step: 1, reason: 'apt failed' },
  VerifyPassed: { type: 'VerifyPassed' },
  VerifyFailed: { type: 'VerifyFailed', reason: 'wrong kernel' },
  RollbackRequested: { type: 'RollbackRequested', reason: 'abort' },
  HealthFailed: { type: 'HealthFailed', reason: 'health check failed in soak' },
  RollbackSucceeded: { type: 'RollbackSucceeded' },
  RollbackFailed: { type: 'RollbackFailed', reason: 'host down' },
  SkipRequested: { type: 'SkipRequested', reason: 'excluded' },
};

/** The specification, cell by cell: the status an event leads to, or '-' where it is not allowed. */
const HOST_TABLE: Record<HostState['status'], Partial<Record<HostEvent['type'], HostState['status']>>> = {
  pending: { Dispatched: 'running', SkipRequested: 'skipped' },
  running: { StepSucceeded: 'running', StepFailed: 'failed', RollbackRequested: 'rolling-back' },
  verifying: { VerifyPassed: 'succeeded', VerifyFailed: 'failed', RollbackRequested: 'rolling-back' },
  succeeded: { RollbackRequested: 'rolling-back', HealthFailed: 'rolling-back' },
  failed: { RollbackRequested: 'rolling-back' },
  'rolling-back': { RollbackSucceeded: 'rolled-back', RollbackFailed: 'rollback-failed' },
  'rolled-back': {},
  // An operator's rollback retries a failed one (the rollout hands it to each such host).
  'rollback-failed': { RollbackRequested: 'rolling-back' },
  skipped: {},
};

describe('host state machine: every state x every event', () => {
  for (const [status, state] of Object.entries(hostStates)) {
    for (const [type, event] of Object.entries(hostEvents)) {
      const expected = HOST_TABLE[status as HostState['status']][type as HostEvent['type']];
      test(`${status} + ${type} -> ${expected ?? 'refused'}`, () => {
        if (!expected) {
          assert.throws(() => transitionHost(state, event, playbook), InvalidTransitionError);
          return;
        }
        assert.equal(transitionHost(state, event, playbook).status, expected);
      });
    }
  }
});

describe('host state machine: steps', () => {
  test('a clean run walks every step, then verifies', () => {
    let state: HostState = { status: 'pending' };
    const seen: string[] = [];
    for (const event of [{ type: 'Dispatched' }, { type: 'StepSucceeded', step: 0 }, { type: 'StepSucceeded', step: 1 }, { type: 'StepSucceeded', step: 2 }, { type: 'VerifyPassed' }] as HostEvent[]) {
      state = transitionHost(state, event, playbook);
      seen.push(state.status === 'running' ? `running ${state.step}` : state.status);
    }
    assert.deepEqual(seen, ['running 0', 'running 1', 'running 2', 'verifying', 'succeeded']);
  });

  test('a stale step result is refused, not applied', () => {
    assert.throws(() => transitionHost({ status: 'running', step: 2 }, { type: 'StepSucceeded', step: 1 }, playbook), InvalidTransitionError);
    assert.throws(() => transitionHost({ status: 'running', step: 2 }, { type: 'StepFailed', step: 0, reason: 'x' }, playbook), InvalidTransitionError);
  });

  test('a playbook without steps goes straight to verification', () => {
    assert.deepEqual(transitionHost({ status: 'pending' }, { type: 'Dispatched' }, { stepCount: 0 }), { status: 'verifying' });
  });

  test('a failed rollback keeps both reasons', () => {
    const state = transitionHost({ status: 'rolling-back', reason: 'verify failed', hostFailed: true }, { type: 'RollbackFailed', reason: 'host never came back' }, playbook);
    assert.deepEqual(state, { status: 'rollback-failed', reason: 'verify failed; rollback failed: host never came back', hostFailed: true, attempt: 1, cause: 'verify failed' });
  });

  test('a retried rollback is the next attempt, for the original cause (its steps are ledgered under that attempt)', () => {
    const failed: HostState = { status: 'rollback-failed', reason: 'verify failed; rollback failed: host never came back', hostFailed: true, attempt: 1, cause: 'verify failed' };
    const retry = transitionHost(failed, { type: 'RollbackRequested', reason: 'host repaired, INC-9' }, playbook);
    assert.deepEqual(retry, { status: 'rolling-back', reason: 'verify failed', hostFailed: true, attempt: 2 });
    const again = transitionHost(transitionHost(retry, { type: 'RollbackFailed', reason: 'still down' }, playbook), { type: 'RollbackRequested', reason: 'x' }, playbook);
    assert.equal((again as { attempt: number }).attempt, 3);
    assert.equal(needsRollback(failed), false, 'a failed rollback is never retried without an operator');
  });

  test('a host that failed counts against the budget through its rollback; a healthy host rolled back with its wave does not', () => {
    const failed = transitionHost({ status: 'failed', reason: 'kernel did not boot' }, { type: 'RollbackRequested', reason: 'automatic' }, playbook);
    assert.deepEqual(failed, { status: 'rolling-back', reason: 'kernel did not boot', hostFailed: true });
    assert.equal(countsAsFailure(failed), true);
    assert.equal(countsAsFailure(transitionHost(failed, { type: 'RollbackSucceeded' }, playbook)), true);
    const healthy = transitionHost({ status: 'succeeded' }, { type: 'RollbackRequested', reason: 'wave 2 rolled back' }, playbook);
    assert.equal(countsAsFailure(healthy), false);
    assert.equal(countsAsFailure(transitionHost(healthy, { type: 'RollbackSucceeded' }, playbook)), false);
    const soakFailure = transitionHost({ status: 'succeeded' }, { type: 'HealthFailed', reason: 'health check failed during soak' }, playbook);
    assert.equal(countsAsFailure(soakFailure), true);
  });

  test('in flight and needing rollback, per status', () => {
    const statuses = Object.values(hostStates);
    assert.deepEqual(
      statuses.filter(inFlight).map((state) => state.status),
      ['running', 'verifying'],
    );
    assert.deepEqual(
      statuses.filter(needsRollback).map((state) => state.status),
      ['running', 'verifying', 'succeeded', 'failed', 'rolling-back'],
    );
  });
});

const rolloutStates: RolloutStatus[] = ['planned', 'running', 'paused', 'halted', 'rolling-back', 'rolled-back', 'completed', 'aborted'];
const rolloutEvents: Record<RolloutEvent['type'], RolloutEvent> = {
  Started: { type: 'Started' },
  PauseRequested: { type: 'PauseRequested', reason: 'on-call' },
  ResumeRequested: { type: 'ResumeRequested' },
  AbortRequested: { type: 'AbortRequested', reason: 'incident' },
  RollbackRequested: { type: 'RollbackRequested', reason: 'regression' },
  WaveCompleted: { type: 'WaveCompleted', wave: 2, last: false },
  GateFailed: { type: 'GateFailed', wave: 2, reason: 'budget spent', onSpent: 'pause' },
  RollbackFinished: { type: 'RollbackFinished' },
};

const ROLLOUT_TABLE: Record<RolloutStatus, Partial<Record<RolloutEvent['type'], RolloutStatus>>> = {
  planned: { Started: 'running', AbortRequested: 'aborted' },
  running: { PauseRequested: 'paused', AbortRequested: 'aborted', RollbackRequested: 'rolling-back', WaveCompleted: 'running', GateFailed: 'halted' },
  paused: { ResumeRequested: 'running', AbortRequested: 'aborted', RollbackRequested: 'rolling-back' },
  halted: { ResumeRequested: 'running', AbortRequested: 'aborted', RollbackRequested: 'rolling-back' },
  'rolling-back': { RollbackFinished: 'rolled-back' },
  // Only to retry hosts whose rollback failed (see below).
  'rolled-back': {},
  completed: { RollbackRequested: 'rolling-back' },
  aborted: { RollbackRequested: 'rolling-back' },
};

describe('rollout state machine: every state x every event', () => {
  for (const status of rolloutStates) {
    for (const [type, event] of Object.entries(rolloutEvents)) {
      const expected = ROLLOUT_TABLE[status][type as RolloutEvent['type']];
      test(`${status} + ${type} -> ${expected ?? 'refused'}`, () => {
        const state: RolloutState = { status, wave: 2, reason: null, rollbackWave: null };
        if (!expected) {
          assert.throws(() => transitionRollout(state, event), InvalidTransitionError);
          return;
        }
        assert.equal(transitionRollout(state, event).status, expected);
      });
    }
  }
});

describe('rollout state machine: policies', () => {
  const running: RolloutState = { status: 'running', wave: 2, reason: null, rollbackWave: null };
  const gate = (onSpent: 'pause' | 'rollback-wave' | 'rollback-all') => transitionRollout(running, { type: 'GateFailed', wave: 2, reason: 'budget spent', onSpent });

  test('a spent budget acts on its policy: pause halts, rollback-wave rolls the wave back, rollback-all rolls back everything', () => {
    assert.deepEqual(gate('pause'), { status: 'halted', wave: 2, reason: 'budget spent', rollbackWave: null });
    assert.deepEqual(gate('rollback-wave'), { status: 'rolling-back', wave: 2, reason: 'budget spent', rollbackWave: 2 });
    assert.deepEqual(gate('rollback-all'), { status: 'rolling-back', wave: 2, reason: 'budget spent', rollbackWave: null });
  });

  test('waves advance one by one, the last one completes the rollout', () => {
    assert.equal(transitionRollout(running, { type: 'WaveCompleted', wave: 2, last: false }).wave, 3);
    assert.equal(transitionRollout(running, { type: 'WaveCompleted', wave: 2, last: true }).status, 'completed');
    assert.throws(() => transitionRollout(running, { type: 'WaveCompleted', wave: 1, last: false }), InvalidTransitionError, 'a stale wave is refused');
  });

  test('resume carries on with the current wave and clears the reason; abort keeps its reason', () => {
    assert.deepEqual(transitionRollout({ status: 'paused', wave: 4, reason: 'x', rollbackWave: null }, { type: 'ResumeRequested' }), { status: 'running', wave: 4, reason: null, rollbackWave: null });
    assert.equal(transitionRollout(running, { type: 'AbortRequested', reason: 'incident' }).reason, 'incident');
  });

  test('a wave rolled back leaves the rollout halted; an operator may widen it to a full rollback; a full one ends it', () => {
    const waveRollback = gate('rollback-wave');
    const finished = transitionRollout(waveRollback, { type: 'RollbackFinished' });
    assert.deepEqual([finished.status, finished.rollbackWave], ['halted', null]);
    const widened = transitionRollout(waveRollback, { type: 'RollbackRequested', reason: 'roll back everything' });
    assert.deepEqual([widened.status, widened.rollbackWave], ['rolling-back', null]);
    assert.equal(transitionRollout(widened, { type: 'RollbackFinished' }).status, 'rolled-back');
  });

  test("a rolled-back rollout rolls back again only when some host's rollback failed", () => {
    const rolledBack: RolloutState = { status: 'rolled-back', wave: 1, reason: 'regression', rollbackWave: null };
    assert.throws(() => transitionRollout(rolledBack, { type: 'RollbackRequested', reason: 'again', failedRollbacks: 0 }), InvalidTransitionError);
    const retry = transitionRollout(rolledBack, { type: 'RollbackRequested', reason: 'host repaired', failedRollbacks: 2 });
    assert.deepEqual([retry.status, retry.reason], ['rolling-back', 'host repaired']);
  });
});
