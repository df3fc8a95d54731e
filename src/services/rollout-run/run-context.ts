import type { Actor, EventDraft } from '../../audit/event.js';
import type { Clock } from '../../adapters/clock.js';
import type { HostTransport } from '../../adapters/transport.js';
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
  /** SSH, or the simulated fleet of the scale benchmark and of runner tests. */
  executor: HostTransport;
  /** This runner's lease owner id: every write checks it still holds the lease. */
  owner: string;
  connectionOf(host: Host): ConnectionSettings;
  /**
   * Added to the environment of `local: true` steps, so that a step can call this same fleetwave
   * against this same database: FLEETWAVE_CLI (the command that runs it), FLEETWAVE_DB and, when
   * the run has one, FLEETWAVE_SSH_CONFIG.
   */
  localEnv: Record<string, string>;
  /** Host workers' writes, committed together (see GroupCommit). */
  writes: GroupCommit;
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
export function commit<T>(context: Pick<RunContext, 'store' | 'name' | 'owner'>, work: () => T): T {
  return context.store.write(() => {
    const lease = context.store.ledger.lease(context.name);
    if (lease?.owner !== context.owner) {
      throw new FleetwaveError('LEASE_LOST', `this runner no longer holds rollout ${context.name}${lease ? ` (pid ${lease.pid} on ${lease.machine} took it over)` : ''}; it stops without writing`);
    }
    return work();
  });
}

/** About a tenth of a second of writes on this 2-core machine (see bench:engine). */
export const DEFAULT_MAX_WRITES_PER_COMMIT = 1000;

/**
 * Group commit for host workers. Persist-then-act stays the rule: a worker awaits its write before
 * the host's next remote effect. But the writes of every worker that is ready in the same turn of
 * the event loop share one transaction (one lease check, one fsync), each in its own savepoint, so
 * one write that throws (a transition that no longer applies) fails alone. With thousands of hosts
 * in flight the database commits a few hundred times a second instead of once per host-step.
 */
export class GroupCommit {
  private pending: Array<{ work: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  /** Transactions committed, and writes carried by them (tests check the batching with them). */
  readonly stats = { commits: 0, writes: 0 };

  /**
   * @param maxWrites at most this many writes per transaction; the rest go in the next turn of
   *   the event loop. A transaction blocks the loop while it runs: thousands of writes in one
   *   would keep the runner from seeing an operator's pause for a second or more.
   */
  constructor(
    private readonly commitAll: (work: () => void) => void,
    private readonly savepoint: <T>(work: () => T) => T,
    private readonly maxWrites = DEFAULT_MAX_WRITES_PER_COMMIT,
  ) {}

  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0, this.maxWrites);
    if (this.pending.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.commitAll(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.savepoint(item.work) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The transaction itself failed (the lease is gone, the disk is full): nothing was written.
      for (const item of batch) item.reject(error);
      return;
    }
    this.stats.commits += 1;
    this.stats.writes += batch.length;
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}

/** The group commit of a run: lease-checked transactions, each write in a savepoint. */
export function groupCommitFor(context: Pick<RunContext, 'store' | 'name' | 'owner'>, maxWrites?: number): GroupCommit {
  // One transaction function, reused: called inside the open transaction it runs as a savepoint.
  const inSavepoint = context.store.db.transaction((work: () => unknown) => work());
  return new GroupCommit(
    (work) => commit(context, work),
    <T>(work: () => T) => inSavepoint(work) as T,
    maxWrites,
  );
}

/** A host worker's write: committed with the others ready now, resolved once durable. */
export function commitSoon<T>(context: RunContext, work: () => T): Promise<T> {
  return context.writes.submit(work);
}

/** `at`: the time stamp of the row the events describe, when they describe one (the fleet's history is rebuilt from them). */
export function audit(context: RunContext, drafts: EventDraft[], at = nowIso(context)): void {
  context.store.events.append(drafts, context.actor, at);
}

export function hostRow(context: RunContext, hostname: string): RolloutHost {
  const row = context.store.rollouts.host(context.name, hostname);
  if (!row) throw new FleetwaveError('HOST_NOT_FOUND', `${hostname} is not part of rollout ${context.name}`);
  return row;
}
