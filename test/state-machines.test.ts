import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countsAsFailure, inFlight, InvalidTransitionError, needsRollback, transitionHost, type HostEvent, type HostState } from '../src/rollout/host-machine.js';
import { transitionRollout, type RolloutEvent, type RolloutState, type RolloutStatus } from '../src/rollout/rollout-machine.js';

const context = { rollout: 'r1', hostname: 'h1', stepCount: 3 };

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
          assert.throws(() => transitionHost(context, state, event), InvalidTransitionError);
          return;
        }
        assert.equal(transitionHost(context, state, event).state.status, expected);
      });
    }
  }
});

describe('host state machine: steps and effects', () => {
  test('a clean run walks every step, then verifies; effect ids are deterministic', () => {
    let state: HostState = { status: 'pending' };
    const effects: string[] = [];
    const apply = (event: HostEvent) => {
      const result = transitionHost(context, state, event);
      state = result.state;
      effects.push(...result.effects.map((effect) => effect.id));
    };
    apply({ type: 'Dispatched' });
    apply({ type: 'StepSucceeded', step: 0 });
    apply({ type: 'StepSucceeded', step: 1 });
    apply({ type: 'StepSucceeded', step: 2 });
    apply({ type: 'VerifyPassed' });
    assert.deepEqual(state, { status: 'succeeded' });
    assert.deepEqual(effects, ['r1:h1:step:0', 'r1:h1:step:1', 'r1:h1:step:2', 'r1:h1:verify']);
  });

  test('a stale step result is refused, not applied', () => {
    assert.throws(() => transitionHost(context, { status: 'running', step: 2 }, { type: 'StepSucceeded', step: 1 }), InvalidTransitionError);
    assert.throws(() => transitionHost(context, { status: 'running', step: 2 }, { type: 'StepFailed', step: 0, reason: 'x' }), InvalidTransitionError);
  });

  test('a playbook without steps goes straight to verification', () => {
    assert.deepEqual(transitionHost({ ...context, stepCount: 0 }, { status: 'pending' }, { type: 'Dispatched' }).effects.map((effect) => effect.kind), ['verify']);
  });

  test('a failed rollback keeps both reasons', () => {
    const result = transitionHost(context, { status: 'rolling-back', reason: 'verify failed', hostFailed: true }, { type: 'RollbackFailed', reason: 'host never came back' });
    assert.deepEqual(result.state, { status: 'rollback-failed', reason: 'verify failed; rollback failed: host never came back', hostFailed: true, attempt: 1, cause: 'verify failed' });
  });

  test('a retried rollback is the next attempt, for the original cause, with an effect id of its own', () => {
    const failed: HostState = { status: 'rollback-failed', reason: 'verify failed; rollback failed: host never came back', hostFailed: true, attempt: 1, cause: 'verify failed' };
    const retry = transitionHost(context, failed, { type: 'RollbackRequested', reason: 'host repaired, INC-9' });
    assert.deepEqual(retry.state, { status: 'rolling-back', reason: 'verify failed', hostFailed: true, attempt: 2 });
    assert.deepEqual(retry.effects.map((effect) => effect.id), ['r1:h1:rollback:2']);
    const again = transitionHost(context, transitionHost(context, retry.state, { type: 'RollbackFailed', reason: 'still down' }).state, { type: 'RollbackRequested', reason: 'x' });
    assert.equal((again.state as { attempt: number }).attempt, 3);
    assert.equal(needsRollback(failed), false, 'a failed rollback is never retried without an operator');
  });

  test('a host that failed counts against the budget through its rollback; a healthy host rolled back with its wave does not', () => {
    const failed = transitionHost(context, { status: 'failed', reason: 'kernel did not boot' }, { type: 'RollbackRequested', reason: 'automatic' }).state;
    assert.deepEqual(failed, { status: 'rolling-back', reason: 'kernel did not boot', hostFailed: true });
    assert.equal(countsAsFailure(failed), true);
    assert.equal(countsAsFailure(transitionHost(context, failed, { type: 'RollbackSucceeded' }).state), true);
    const healthy = transitionHost(context, { status: 'succeeded' }, { type: 'RollbackRequested', reason: 'wave 2 rolled back' }).state;
    assert.equal(countsAsFailure(healthy), false);
    assert.equal(countsAsFailure(transitionHost(context, healthy, { type: 'RollbackSucceeded' }).state), false);
    const soakFailure = transitionHost(context, { status: 'succeeded' }, { type: 'HealthFailed', reason: 'health check failed during soak' }).state;
    assert.equal(countsAsFailure(soakFailure), true);
  });

  test('in flight and needing rollback, per status', () => {
    const statuses = Object.values(hostStates);
    assert.deepEqual(statuses.filter(inFlight).map((state) => state.status), ['running', 'verifying']);
    assert.deepEqual(statuses.filter(needsRollback).map((state) => state.status), ['running', 'verifying', 'succeeded', 'failed', 'rolling-back']);
  });

  test('rolling back emits the rollback effect once, keyed by host', () => {
    assert.deepEqual(transitionHost(context, { status: 'failed', reason: 'x' }, { type: 'RollbackRequested', reason: 'x' }).effects, [{ id: 'r1:h1:rollback', kind: 'rollback', hostname: 'h1' }]);
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
          assert.throws(() => transitionRollout('r1', state, event), InvalidTransitionError);
          return;
        }
        assert.equal(transitionRollout('r1', state, event).state.status, expected);
      });
    }
  }
});

describe('rollout state machine: policies and effects', () => {
  const running: RolloutState = { status: 'running', wave: 2, reason: null, rollbackWave: null };
  const gate = (onSpent: 'pause' | 'rollback-wave' | 'rollback-all') => transitionRollout('r1', running, { type: 'GateFailed', wave: 2, reason: 'budget spent', onSpent });

  test('a spent budget acts on its policy: pause halts, rollback-wave halts and rolls the wave back, rollback-all rolls back everything', () => {
    assert.deepEqual([gate('pause').state.status, gate('pause').effects.map((effect) => effect.kind)], ['halted', ['notify']]);
    assert.deepEqual(
      [gate('rollback-wave').state.status, gate('rollback-wave').state.rollbackWave, gate('rollback-wave').effects.map((effect) => effect.id)],
      ['rolling-back', 2, ['r1:wave:2:rollback', 'r1:notify:rolling-back:2']],
    );
    assert.deepEqual([gate('rollback-all').state.status, gate('rollback-all').effects.map((effect) => effect.kind)], ['rolling-back', ['rollback-all', 'notify']]);
  });

  test('waves advance one by one, the last one completes the rollout', () => {
    const next = transitionRollout('r1', running, { type: 'WaveCompleted', wave: 2, last: false });
    assert.deepEqual([next.state.wave, next.effects.map((effect) => effect.id)], [3, ['r1:wave:3:dispatch']]);
    assert.equal(transitionRollout('r1', running, { type: 'WaveCompleted', wave: 2, last: true }).state.status, 'completed');
    assert.throws(() => transitionRollout('r1', running, { type: 'WaveCompleted', wave: 1, last: false }), InvalidTransitionError, 'a stale wave is refused');
  });

  test('resume re-dispatches the current wave (dispatch is idempotent by its id); abort rolls back what is in flight', () => {
    const resumed = transitionRollout('r1', { status: 'paused', wave: 4, reason: 'x', rollbackWave: null }, { type: 'ResumeRequested' });
    assert.deepEqual(resumed.effects.map((effect) => effect.id), ['r1:wave:4:dispatch', 'r1:notify:running:4']);
    const aborted = transitionRollout('r1', running, { type: 'AbortRequested', reason: 'incident' });
    assert.deepEqual([aborted.state.reason, aborted.effects.map((effect) => effect.kind)], ['incident', ['rollback-in-flight', 'notify']]);
  });

  test('a wave rolled back leaves the rollout halted; an operator may widen it to a full rollback; a full one ends it', () => {
    const waveRollback = gate('rollback-wave').state;
    const finished = transitionRollout('r1', waveRollback, { type: 'RollbackFinished' });
    assert.deepEqual([finished.state.status, finished.state.rollbackWave], ['halted', null]);
    const widened = transitionRollout('r1', waveRollback, { type: 'RollbackRequested', reason: 'roll back everything' });
    assert.deepEqual([widened.state.status, widened.state.rollbackWave, widened.effects.map((effect) => effect.kind)], ['rolling-back', null, ['rollback-all']]);
    assert.equal(transitionRollout('r1', widened.state, { type: 'RollbackFinished' }).state.status, 'rolled-back');
  });

  test('a rolled-back rollout rolls back again only when some host\'s rollback failed', () => {
    const rolledBack: RolloutState = { status: 'rolled-back', wave: 1, reason: 'regression', rollbackWave: null };
    assert.throws(() => transitionRollout('r1', rolledBack, { type: 'RollbackRequested', reason: 'again', failedRollbacks: 0 }), InvalidTransitionError);
    const retry = transitionRollout('r1', rolledBack, { type: 'RollbackRequested', reason: 'host repaired', failedRollbacks: 2 });
    assert.deepEqual([retry.state.status, retry.state.reason], ['rolling-back', 'host repaired']);
  });
});
