import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import { withStore } from '../adapters/store/store.js';
import { FleetwaveError } from '../errors.js';
import { InvalidTransitionError } from '../rollout/host-machine.js';
import { ROLLOUT_TERMINAL, transitionRollout, type RolloutEffect, type RolloutEvent, type RolloutStatus } from '../rollout/rollout-machine.js';

export interface RolloutControlResult {
  name: string;
  from: RolloutStatus;
  to: RolloutStatus;
  /** What the runner must do next (nothing for a rollout that never started). */
  pendingEffects: RolloutEffect[];
  locksReleased: number;
}

/**
 * An operator's request, decided by the same pure state machine the runner uses, stored with its
 * audit event in one transaction. A rollout that reaches a terminal state frees its hosts.
 */
export function controlRollout(request: { dbPath: string; name: string; event: RolloutEvent; reason?: string; clock: Clock }): RolloutControlResult {
  return withStore({ path: request.dbPath, create: false }, (store) =>
    store.write(() => {
      const rollout = store.rollouts.find(request.name);
      if (!rollout) {
        throw new FleetwaveError('ROLLOUT_NOT_FOUND', `no rollout named ${request.name}`, { suggestions: ['See them with: fleetwave rollout list'] });
      }
      let next: ReturnType<typeof transitionRollout>;
      try {
        next = transitionRollout(rollout.name, { status: rollout.status, wave: rollout.wave, reason: rollout.reason }, request.event);
      } catch (error) {
        if (!(error instanceof InvalidTransitionError)) throw error;
        throw new FleetwaveError('ROLLOUT_STATE', `rollout ${rollout.name} is ${rollout.status}: ${request.event.type.replace(/Requested$/, '').toLowerCase()} does not apply`, {
          suggestions: ['See its state with: fleetwave rollout list'],
        });
      }
      const now = request.clock.now().toISOString();
      store.rollouts.saveState(rollout.name, next.state, now);
      const locksReleased = ROLLOUT_TERMINAL.has(next.state.status) ? store.rollouts.releaseLocks(rollout.name) : 0;
      store.events.append(
        [{ subject: `rollout:${rollout.name}`, action: `rollout.${next.state.status}`, details: { from: rollout.status, event: request.event.type, locksReleased } }],
        currentActor(request.reason),
        now,
      );
      return { name: rollout.name, from: rollout.status, to: next.state.status, pendingEffects: next.effects.filter((effect) => effect.kind !== 'notify'), locksReleased };
    }),
  );
}
