import path from 'node:path';
import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import { openStore } from '../adapters/store/store.js';
import { thisMachine } from '../adapters/system/process-probe.js';
import { FleetwaveError } from '../errors.js';
import { InvalidTransitionError } from '../rollout/host-machine.js';
import { judgeLease } from '../rollout/lease.js';
import type { RolloutEvent, RolloutStatus } from '../rollout/rollout-machine.js';
import { announceRolloutChange, applyRolloutEvent, type AppliedRolloutEvent } from './rollout-transition.js';

export interface RolloutControlResult {
  name: string;
  from: RolloutStatus;
  to: RolloutStatus;
  /** Hosts freed now; hosts still in flight are freed by the runner once they are rolled back. */
  locksReleased: number;
  /** Hosts a runner must still settle (roll back); `rollout run NAME` does it if no runner is running. */
  unsettledHosts: number;
  /** Hosts whose failed rollback a rollback request retries, and those it cannot (held by another rollout). */
  rollbacksRetried: number;
  retryRefused: string[];
  /** Hosts in the middle of their playbook when the request was made. */
  inFlightHosts: number;
  /** Whether a runner holds the rollout right now (it will see this within a second). */
  runnerActive: boolean;
  webhook: { delivered: boolean; detail: string } | null;
}

/**
 * An operator's request (pause, resume, abort, rollback), decided by the same pure state machine
 * the runner uses and stored with its audit event in one transaction. A running `rollout run`
 * reads it on its next poll. Pending hosts of an aborted rollout are skipped at once; hosts that
 * may have been changed stay locked until they are rolled back.
 */
export async function controlRollout(request: { dbPath: string; name: string; event: RolloutEvent; reason?: string; clock: Clock }): Promise<RolloutControlResult> {
  const store = openStore({ path: request.dbPath, create: false });
  try {
    const actor = currentActor(request.reason);
    const outcome = store.write(() => {
      const rollout = store.rollouts.find(request.name);
      if (!rollout) {
        throw new FleetwaveError('ROLLOUT_NOT_FOUND', `no rollout named ${request.name}`, { suggestions: ['See them with: fleetwave rollout list'] });
      }
      let applied: AppliedRolloutEvent;
      try {
        applied = applyRolloutEvent(store, rollout, request.event, actor, request.clock.now().toISOString());
      } catch (error) {
        if (!(error instanceof InvalidTransitionError)) throw error;
        throw new FleetwaveError('ROLLOUT_STATE', `rollout ${rollout.name} is ${rollout.status}: ${request.event.type.replace(/Requested$/, '').toLowerCase()} does not apply`, {
          suggestions: [`See its state with: fleetwave rollout status ${rollout.name}`],
        });
      }
      const lease = store.ledger.lease(rollout.name);
      const runnerActive = lease !== null && judgeLease(lease, request.clock.now(), thisMachine).alive;
      return { ...applied, runnerActive };
    });
    const { spec, specPath, playbookPath } = store.rollouts.definition(request.name)!;
    const baseDir = path.dirname(specPath ?? playbookPath ?? '.');
    const webhook = await announceRolloutChange(
      spec,
      outcome,
      actor,
      (record) => store.write(record),
      store,
      () => request.clock.now().toISOString(),
      baseDir,
    );
    return {
      name: request.name,
      from: outcome.from.status,
      to: outcome.to.status,
      locksReleased: outcome.locksReleased,
      unsettledHosts: outcome.unsettledHosts,
      rollbacksRetried: outcome.rollbacksRetried,
      retryRefused: outcome.retryRefused,
      inFlightHosts: outcome.inFlightHosts,
      runnerActive: outcome.runnerActive,
      webhook,
    };
  } finally {
    store.close();
  }
}
