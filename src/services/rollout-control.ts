import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import { openStore } from '../adapters/store/store.js';
import { FleetwaveError } from '../errors.js';
import { inFlight, InvalidTransitionError, transitionHost } from '../rollout/host-machine.js';
import { ROLLOUT_TERMINAL, transitionRollout, type RolloutEvent, type RolloutStatus } from '../rollout/rollout-machine.js';
import { changeMessage, deliverWebhook } from './rollout-run/notify.js';

export interface RolloutControlResult {
  name: string;
  from: RolloutStatus;
  to: RolloutStatus;
  /** Hosts freed now; hosts still in flight are freed by the runner once they are rolled back. */
  locksReleased: number;
  /** Hosts a runner must still settle (roll back); `rollout run NAME` does it if no runner is running. */
  unsettledHosts: number;
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
      let next: ReturnType<typeof transitionRollout>;
      try {
        next = transitionRollout(rollout.name, { status: rollout.status, wave: rollout.wave, reason: rollout.reason, rollbackWave: rollout.rollbackWave }, request.event);
      } catch (error) {
        if (!(error instanceof InvalidTransitionError)) throw error;
        throw new FleetwaveError('ROLLOUT_STATE', `rollout ${rollout.name} is ${rollout.status}: ${request.event.type.replace(/Requested$/, '').toLowerCase()} does not apply`, {
          suggestions: [`See its state with: fleetwave rollout status ${rollout.name}`],
        });
      }
      const now = request.clock.now().toISOString();
      store.rollouts.saveState(rollout.name, next.state, now);
      if (next.state.status !== 'running') store.rollouts.setSoakStarted(rollout.name, null);
      const acknowledged = request.event.type === 'ResumeRequested' && rollout.status === 'halted' ? store.rollouts.acknowledgeFailures(rollout.name) : 0;
      const hosts = store.rollouts.hosts(rollout.name);
      if (next.state.status === 'aborted') {
        for (const host of hosts.filter((entry) => entry.state.status === 'pending')) {
          const skipped = transitionHost({ rollout: rollout.name, hostname: host.hostname, stepCount: 0 }, host.state, { type: 'SkipRequested', reason: 'rollout aborted before this host' });
          store.rollouts.saveHostState(rollout.name, host.hostname, skipped.state, now);
        }
      }
      const unsettledHosts = store.rollouts.hosts(rollout.name).filter((host) => inFlight(host.state) || host.state.status === 'failed' || host.state.status === 'rolling-back').length;
      const locksReleased = ROLLOUT_TERMINAL.has(next.state.status) && unsettledHosts === 0 ? store.rollouts.releaseLocks(rollout.name) : 0;
      store.events.append(
        [{ subject: `rollout:${rollout.name}`, action: `rollout.${next.state.status}`, details: { from: rollout.status, event: request.event.type, locksReleased, unsettledHosts, failuresAcknowledged: acknowledged } }],
        actor,
        now,
      );
      const lease = store.ledger.lease(rollout.name);
      const runnerActive = lease !== null && request.clock.now().getTime() - Date.parse(lease.heartbeatAt) <= lease.ttlMs;
      return { name: rollout.name, from: rollout.status, to: next.state, at: now, locksReleased, unsettledHosts, runnerActive };
    });
    const definition = store.rollouts.definition(request.name)!;
    const webhook = await deliverWebhook(definition.spec, changeMessage(definition.spec, outcome.from, outcome.to, outcome.at, actor.user));
    if (webhook) store.write(() => store.events.append([{ subject: `rollout:${request.name}`, action: 'rollout.webhook', details: { to: outcome.to.status, ...webhook } }], actor, request.clock.now().toISOString()));
    return { name: outcome.name, from: outcome.from, to: outcome.to.status, locksReleased: outcome.locksReleased, unsettledHosts: outcome.unsettledHosts, runnerActive: outcome.runnerActive, webhook };
  } finally {
    store.close();
  }
}
