import { InvalidTransitionError } from './host-machine.js';

/** The rollout as a whole, as a pure transition function. */
export type RolloutStatus = 'planned' | 'running' | 'paused' | 'halted' | 'rolling-back' | 'rolled-back' | 'completed' | 'aborted';

export interface RolloutState {
  status: RolloutStatus;
  /** The wave being worked on or next to start. */
  wave: number;
  reason: string | null;
  /** While rolling back one wave (a budget spent with rollback-wave): which; null rolls back everything. */
  rollbackWave: number | null;
}

export type RolloutEvent =
  | { type: 'Started' }
  | { type: 'PauseRequested'; reason: string }
  | { type: 'ResumeRequested' }
  | { type: 'AbortRequested'; reason: string }
  /** failedRollbacks: hosts whose rollback failed; a rolled-back rollout takes a new rollback only for them. */
  | { type: 'RollbackRequested'; reason: string; failedRollbacks?: number }
  | { type: 'WaveCompleted'; wave: number; last: boolean }
  | { type: 'GateFailed'; wave: number; reason: string; onSpent: 'pause' | 'rollback-wave' | 'rollback-all' }
  | { type: 'RollbackFinished' };

export const ROLLOUT_TERMINAL: ReadonlySet<RolloutStatus> = new Set(['rolled-back', 'completed', 'aborted']);

export function transitionRollout(state: RolloutState, event: RolloutEvent): RolloutState {
  const invalid = () => new InvalidTransitionError(state.status, event.type);
  const to = (status: RolloutStatus, changes: Partial<RolloutState>): RolloutState => ({ ...state, ...changes, status });

  switch (event.type) {
    case 'Started':
      if (state.status !== 'planned') throw invalid();
      return to('running', { wave: 0, reason: null });
    case 'PauseRequested':
      if (state.status !== 'running') throw invalid();
      return to('paused', { reason: event.reason });
    case 'ResumeRequested':
      // Halted rollouts resume too, once an operator has looked at why the gate failed.
      if (state.status !== 'paused' && state.status !== 'halted') throw invalid();
      return to('running', { reason: null });
    case 'AbortRequested':
      // A planned rollout that never started is simply cancelled: nothing is in flight.
      if (state.status === 'planned') return to('aborted', { reason: event.reason });
      if (state.status !== 'running' && state.status !== 'paused' && state.status !== 'halted') throw invalid();
      return to('aborted', { reason: event.reason });
    case 'RollbackRequested':
      // Rolling back one wave may be widened to everything; a rolled-back rollout rolls back again
      // only to retry hosts whose rollback failed; nothing else re-enters rolling-back.
      if (state.status === 'planned' || (state.status === 'rolled-back' && !(event.failedRollbacks && event.failedRollbacks > 0)) || (state.status === 'rolling-back' && state.rollbackWave === null))
        throw invalid();
      return to('rolling-back', { reason: event.reason, rollbackWave: null });
    case 'WaveCompleted':
      if (state.status !== 'running' || event.wave !== state.wave) throw invalid();
      return event.last ? to('completed', {}) : to('running', { wave: event.wave + 1 });
    case 'GateFailed':
      if (state.status !== 'running' || event.wave !== state.wave) throw invalid();
      if (event.onSpent === 'rollback-all') return to('rolling-back', { reason: event.reason, rollbackWave: null });
      if (event.onSpent === 'rollback-wave') {
        return to('rolling-back', { reason: event.reason, rollbackWave: event.wave });
      }
      return to('halted', { reason: event.reason });
    case 'RollbackFinished':
      if (state.status !== 'rolling-back') throw invalid();
      // A rolled-back wave leaves the rollout halted for an operator to look at; a full rollback ends it.
      return state.rollbackWave !== null ? to('halted', { rollbackWave: null }) : to('rolled-back', {});
  }
}
