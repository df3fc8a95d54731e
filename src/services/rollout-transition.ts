import type { Actor } from '../audit/event.js';
import type { StoredRollout } from '../adapters/store/rollout-repository.js';
import type { Store } from '../adapters/store/store.js';
import { IN_FLIGHT_STATUSES, transitionHost, WORKING_STATUSES, type HostState } from '../rollout/host-machine.js';
import { countTallies } from '../rollout/run-decision.js';
import { ROLLOUT_TERMINAL, transitionRollout, type RolloutEvent, type RolloutState } from '../rollout/rollout-machine.js';
import type { RolloutSpec } from '../rollout/spec.js';
import { changeMessage, deliverWebhook } from './rollout-run/notify.js';

export interface AppliedRolloutEvent {
  from: RolloutState;
  to: RolloutState;
  at: string;
  locksReleased: number;
  /** Hosts still to be settled (rolled back) by a runner. */
  unsettledHosts: number;
  /** Hosts a runner is (or was) driving through their playbook at the time of the event. */
  inFlightHosts: number;
  failuresAcknowledged: number;
  /** Hosts whose failed rollback this request retries. */
  rollbacksRetried: number;
  /** Hosts whose failed rollback cannot be retried: another rollout holds them now. */
  retryRefused: string[];
}

/**
 * Stores one rollout event as the state machine decides it, with everything that goes with it,
 * in the caller's transaction: the soak clock stops when the wave or the running state ends;
 * resuming a halted rollout acknowledges its failures; an abort skips the hosts never started;
 * a rollout that ended with every host settled frees its hosts; one audit event. Shared by the
 * runner and by on-call commands, so a change means the same whoever makes it. Throws
 * InvalidTransitionError when the event does not apply.
 */
export function applyRolloutEvent(store: Store, rollout: StoredRollout, given: RolloutEvent, actor: Actor, at: string): AppliedRolloutEvent {
  const from: RolloutState = { status: rollout.status, wave: rollout.wave, reason: rollout.reason, rollbackWave: rollout.rollbackWave };
  // Only the hosts this needs, through the status index: an event costs the same on a million hosts.
  const failedRollbacks = store.rollouts.hostsWithStatus(rollout.name, ['rollback-failed']);
  const event: RolloutEvent = given.type === 'RollbackRequested' ? { ...given, failedRollbacks: failedRollbacks.length } : given;
  const to = transitionRollout(from, event);
  store.rollouts.saveState(rollout.name, to, at);
  if (to.wave !== from.wave || to.status !== 'running') store.rollouts.setSoakStarted(rollout.name, null);
  const failuresAcknowledged = event.type === 'ResumeRequested' && from.status === 'halted' ? store.rollouts.acknowledgeFailures(rollout.name) : 0;
  // An operator's rollback retries every host whose rollback failed, holding it again for this rollout.
  const retried = new Set<string>();
  const retryRefused: string[] = [];
  if (event.type === 'RollbackRequested') {
    for (const host of failedRollbacks) {
      if (!store.rollouts.relock(rollout.name, host.hostname, at)) {
        retryRefused.push(host.hostname);
        continue;
      }
      const retry = transitionHost(host.state, { type: 'RollbackRequested', reason: event.reason }, { stepCount: 0 });
      store.rollouts.saveHostState(rollout.name, host.hostname, retry, at);
      retried.add(host.hostname);
    }
  }
  // An abort skips every host never started, in one statement: the state a SkipRequested gives a pending host.
  if (to.status === 'aborted') {
    const skipped = transitionHost({ status: 'pending' }, { type: 'SkipRequested', reason: 'rollout aborted before this host' }, { stepCount: 0 });
    store.rollouts.skipPending(rollout.name, skipped, at);
  }
  // Counted after the retries (a retried host is rolling back again), from the tallies: a pause of
  // a million-host rollout once read every host of it here (1.1 s).
  const byStatus = countTallies(store.rollouts.tallies(rollout.name));
  const countOf = (statuses: Iterable<HostState['status']>) => [...statuses].reduce((sum, status) => sum + (byStatus[status] ?? 0), 0);
  const unsettledHosts = countOf(WORKING_STATUSES);
  const locksReleased = ROLLOUT_TERMINAL.has(to.status) && unsettledHosts === 0 ? store.rollouts.releaseLocks(rollout.name) : 0;
  store.events.append(
    [
      {
        subject: `rollout:${rollout.name}`,
        action: `rollout.${to.status}`,
        details: { from: from.status, event: event.type, wave: to.wave, reason: to.reason, locksReleased, unsettledHosts, failuresAcknowledged, rollbacksRetried: retried.size, retryRefused },
      },
      ...[...retried].map((hostname) => ({
        subject: `rollout:${rollout.name}`,
        host: hostname,
        action: 'rollout.host.rollback-retried',
        details: { reason: event.type === 'RollbackRequested' ? event.reason : null },
      })),
    ],
    actor,
    at,
  );
  const inFlightHosts = countOf(IN_FLIGHT_STATUSES);
  return { from, to, at, locksReleased, unsettledHosts, inFlightHosts, failuresAcknowledged, rollbacksRetried: retried.size, retryRefused };
}

/**
 * Sends the change to the spec's webhook and audits the delivery through `write` (the runner's
 * lease-checked commit, or a plain transaction). Null when the spec has no webhook.
 */
export async function announceRolloutChange(
  spec: RolloutSpec,
  change: { from: RolloutState; to: RolloutState; at: string },
  actor: Actor,
  write: (record: () => void) => void,
  store: Store,
  now: () => string,
  baseDir: string,
): Promise<{ delivered: boolean; detail: string } | null> {
  const outcome = await deliverWebhook(spec, changeMessage(spec, change.from.status, change.to, change.at, actor.user), baseDir);
  if (outcome) write(() => store.events.append([{ subject: `rollout:${spec.name}`, action: 'rollout.webhook', details: { to: change.to.status, ...outcome } }], actor, now()));
  return outcome;
}
