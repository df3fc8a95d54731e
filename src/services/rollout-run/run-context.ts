import type { Actor, EventDraft } from '../../audit/event.js';
import type { Clock } from '../../adapters/clock.js';
import type { SshExecutor } from '../../adapters/ssh/ssh-executor.js';
import type { RolloutHost } from '../../adapters/store/rollout-repository.js';
import type { Store } from '../../adapters/store/store.js';
import { FleetwaveError } from '../../errors.js';
import type { Host } from '../../fleet/host.js';
import type { Playbook } from '../../rollout/playbook.js';
import type { RolloutSpec } from '../../rollout/spec.js';
import type { ConnectionSettings } from '../../ssh/connection-settings.js';
import type { RunProgress } from './run-progress.js';

/** What a runner and its host workers share for one `rollout run`. */
export interface RunContext {
  store: Store;
  name: string;
  spec: RolloutSpec;
  playbook: Playbook;
  /** Relative upload sources resolve against the spec's directory. */
  specDir: string;
  /** Upload sources pinned at plan time (path -> sha256); null for rollouts planned before pinning. */
  artifacts: Record<string, string> | null;
  actor: Actor;
  clock: Clock;
  executor: SshExecutor;
  /** This runner's lease owner id: every write checks it still holds the lease. */
  owner: string;
  connectionOf(host: Host): ConnectionSettings;
  /**
   * Added to the environment of `local: true` steps, so that a step can call this same fleetwave
   * against this same database: FLEETWAVE_CLI (the command that runs it), FLEETWAVE_DB and, when
   * the run has one, FLEETWAVE_SSH_CONFIG.
   */
  localEnv: Record<string, string>;
  /** True once a worker driving hosts forward should stop at the next step boundary. */
  stopping(): boolean;
  report(progress: RunProgress): void;
}

export function nowIso(context: RunContext): string {
  return context.clock.now().toISOString();
}

/**
 * One IMMEDIATE transaction that first proves this runner still holds the lease (fencing): a
 * runner whose lease was taken over can never write another state or event.
 */
export function commit<T>(context: RunContext, work: () => T): T {
  return context.store.write(() => {
    const lease = context.store.ledger.lease(context.name);
    if (lease?.owner !== context.owner) {
      throw new FleetwaveError('LEASE_LOST', `this runner no longer holds rollout ${context.name}${lease ? ` (pid ${lease.pid} on ${lease.machine} took it over)` : ''}; it stops without writing`);
    }
    return work();
  });
}

export function audit(context: RunContext, drafts: EventDraft[]): void {
  context.store.events.append(drafts, context.actor, nowIso(context));
}

export function hostRow(context: RunContext, hostname: string): RolloutHost {
  const row = context.store.rollouts.host(context.name, hostname);
  if (!row) throw new FleetwaveError('HOST_NOT_FOUND', `${hostname} is not part of rollout ${context.name}`);
  return row;
}
