/**
 * One host's life in a rollout, as a pure transition function: the runner stores the new state
 * with its audit event in one transaction, then does what the state asks for (decideRun reads the
 * states; the step runner keys each remote step in the ledger by its effect id, effect-ids.ts).
 */
export type HostState =
  | { status: 'pending' }
  | { status: 'running'; step: number }
  | { status: 'verifying' }
  | { status: 'succeeded' }
  | { status: 'failed'; reason: string }
  // hostFailed: the host itself failed (it counts against the failure budget), as opposed to a
  // healthy host rolled back because its wave or rollout was.
  // attempt: the how-many-th rollback of this host (an operator may retry a failed one).
  | { status: 'rolling-back'; reason: string; hostFailed: boolean; attempt?: number }
  | { status: 'rolled-back'; reason: string; hostFailed: boolean }
  // cause: why the host was being rolled back; reason adds why the rollback failed.
  | { status: 'rollback-failed'; reason: string; hostFailed: boolean; attempt?: number; cause?: string }
  | { status: 'skipped'; reason: string };

export type HostEvent =
  | { type: 'Dispatched' }
  | { type: 'StepSucceeded'; step: number }
  | { type: 'StepFailed'; step: number; reason: string }
  | { type: 'VerifyPassed' }
  | { type: 'VerifyFailed'; reason: string }
  | { type: 'RollbackRequested'; reason: string }
  /** A succeeded host failed its checks later, during the soak. */
  | { type: 'HealthFailed'; reason: string }
  | { type: 'RollbackSucceeded' }
  | { type: 'RollbackFailed'; reason: string }
  | { type: 'SkipRequested'; reason: string };

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: string,
    readonly event: string,
  ) {
    super(`no transition from ${from} on ${event}`);
    this.name = 'InvalidTransitionError';
  }
}

/** Every status a host of a rollout can be in, in the order a rollout moves through them. */
export const HOST_STATUSES = ['pending', 'running', 'verifying', 'succeeded', 'failed', 'rolling-back', 'rolled-back', 'rollback-failed', 'skipped'] as const satisfies ReadonlyArray<
  HostState['status']
>;

export const HOST_TERMINAL: ReadonlySet<HostState['status']> = new Set(['rolled-back', 'rollback-failed', 'skipped']);

export function transitionHost(state: HostState, event: HostEvent, playbook: { stepCount: number }): HostState {
  const invalid = () => new InvalidTransitionError(state.status, event.type);

  switch (event.type) {
    case 'Dispatched':
      if (state.status !== 'pending') throw invalid();
      return playbook.stepCount > 0 ? { status: 'running', step: 0 } : { status: 'verifying' };
    case 'StepSucceeded': {
      // A stale or out-of-order step result is a runner bug, never silently accepted.
      if (state.status !== 'running' || state.step !== event.step) throw invalid();
      const next = event.step + 1;
      return next < playbook.stepCount ? { status: 'running', step: next } : { status: 'verifying' };
    }
    case 'StepFailed':
      if (state.status !== 'running' || state.step !== event.step) throw invalid();
      return { status: 'failed', reason: event.reason };
    case 'VerifyPassed':
      if (state.status !== 'verifying') throw invalid();
      return { status: 'succeeded' };
    case 'VerifyFailed':
      if (state.status !== 'verifying') throw invalid();
      return { status: 'failed', reason: event.reason };
    case 'RollbackRequested':
      // A failed rollback is retried only when an operator asks for a rollback again.
      if (state.status === 'rollback-failed') return { status: 'rolling-back', reason: state.cause ?? state.reason, hostFailed: state.hostFailed, attempt: (state.attempt ?? 1) + 1 };
      // In flight (abort), failed (always rolled back), or done (a wave or rollout rollback).
      if (state.status !== 'running' && state.status !== 'verifying' && state.status !== 'failed' && state.status !== 'succeeded') throw invalid();
      return { status: 'rolling-back', reason: state.status === 'failed' ? state.reason : event.reason, hostFailed: state.status === 'failed' };
    case 'HealthFailed':
      if (state.status !== 'succeeded') throw invalid();
      return { status: 'rolling-back', reason: event.reason, hostFailed: true };
    case 'RollbackSucceeded':
      if (state.status !== 'rolling-back') throw invalid();
      return { status: 'rolled-back', reason: state.reason, hostFailed: state.hostFailed };
    case 'RollbackFailed':
      if (state.status !== 'rolling-back') throw invalid();
      return { status: 'rollback-failed', reason: `${state.reason}; rollback failed: ${event.reason}`, hostFailed: state.hostFailed, attempt: state.attempt ?? 1, cause: state.reason };
    case 'SkipRequested':
      if (state.status !== 'pending') throw invalid();
      return { status: 'skipped', reason: event.reason };
  }
}

/** Does this host count against the failure budget? */
/** Why a host is in its state, for the states that say (failed, rolled back, skipped, ...). */
export function reasonOf(state: HostState): string | null {
  return 'reason' in state ? state.reason : null;
}

export function countsAsFailure(state: HostState): boolean {
  if (state.status === 'failed') return true;
  return (state.status === 'rolling-back' || state.status === 'rolled-back' || state.status === 'rollback-failed') && state.hostFailed;
}

/** Changed, or possibly changed, by this rollout and not yet undone: what a rollback must visit. */
export const ROLLBACK_STATUSES: ReadonlySet<HostState['status']> = new Set(['running', 'verifying', 'succeeded', 'failed', 'rolling-back']);

export function needsRollback(state: HostState): boolean {
  return ROLLBACK_STATUSES.has(state.status);
}

/** The statuses of work in progress: a runner is (or was, before it died) driving the host. */
export const IN_FLIGHT_STATUSES: ReadonlySet<HostState['status']> = new Set(['running', 'verifying']);

export function inFlight(state: HostState): boolean {
  return IN_FLIGHT_STATUSES.has(state.status);
}

/** Not settled: in flight, failed, or rolling back. A runner acts on these whatever the rollout is doing. */
export const WORKING_STATUSES: ReadonlySet<HostState['status']> = new Set(['running', 'verifying', 'failed', 'rolling-back']);
