import { BugError, FleetwaveError } from '../../errors.js';
import { InvalidTransitionError, transitionHost, type HostState } from '../../rollout/host-machine.js';
import { countTallies, decideRun, judgeSoak, lastWaveOf, type HostPlace, type RunAction, type RunSnapshot, type RunTally } from '../../rollout/run-decision.js';
import type { RolloutEvent, RolloutState, RolloutStatus } from '../../rollout/rollout-machine.js';
import { announceRolloutChange, applyRolloutEvent } from '../rollout-transition.js';
import { readGate } from '../gate-kinds/index.js';
import { checkHost, driveHost, moveHost, moveHosts, rollbackHost } from './host-worker.js';
import { audit, commit, hostRow, nowIso, type RunContext } from './run-context.js';

export interface RunnerTiming {
  /** How often the runner re-reads the database (operators' requests, freezes). */
  pollMs: number;
  /** How often it renews its lease; the lease lives leaseTtlMs without renewal. */
  heartbeatMs: number;
}

export type RunnerExit = { status: RolloutStatus; stoppedBecause: 'finished' | 'halted' | 'interrupted' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** One turn of the event loop: timers, I/O and the group commit's pending writes run first. */
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The imperative shell around decideRun: read the rows, decide, act, repeat. Host work runs in
 * background workers (one per host, at most one at a time), so the loop keeps polling while hosts
 * reboot: an operator's pause or abort is seen within one poll interval.
 */
export class RolloutRunner {
  private readonly workers = new Map<string, Promise<void>>();
  /** Where each host a worker holds sits in the plan: a tick reads no row of a host it holds. */
  private readonly held = new Map<string, HostPlace>();
  private readonly background = new Set<Promise<unknown>>();
  private status: RolloutStatus = 'planned';
  private lastWhy = '';
  private reading: Promise<void> | null = null;
  private nextReadingAt = 0;
  private lastHeartbeat = 0;
  private failure: unknown = null;
  private wake: (() => void) | null = null;
  private interrupted = false;

  constructor(
    private readonly context: RunContext,
    private readonly timing: RunnerTiming,
  ) {}

  /** Workers stop driving hosts forward once the rollout is aborted or rolling back. */
  isStopping(): boolean {
    return this.failure !== null || this.interrupted || this.status === 'aborted' || this.status === 'rolling-back';
  }

  /** An operator asked this runner to leave (Ctrl-C): no new work; hosts in flight stop after their current step. */
  interrupt(): void {
    this.interrupted = true;
    this.wake?.();
  }

  async run(): Promise<RunnerExit> {
    const { context } = this;
    try {
      for (;;) {
        if (this.failure) throw this.failure;
        this.heartbeat();
        if (this.interrupted) {
          await this.settle();
          if (this.failure) throw this.failure;
          const rollout = context.store.rollouts.find(context.name)!;
          commit(context, () => audit(context, [{ subject: `rollout:${context.name}`, action: 'rollout.runner-interrupted', details: { status: rollout.status } }]));
          return { status: rollout.status, stoppedBecause: 'interrupted' };
        }
        const rollout = context.store.rollouts.find(context.name)!;
        this.observe(rollout);
        const held = new Map(this.held);
        const snapshot: RunSnapshot = {
          rollout: { status: rollout.status, wave: rollout.wave, reason: rollout.reason, rollbackWave: rollout.rollbackWave, soakStartedAt: rollout.soakStartedAt },
          spec: context.spec,
          ...context.store.rollouts.runView(context.name, { status: rollout.status, wave: rollout.wave, rollbackWave: rollout.rollbackWave, parallel: context.spec.parallel, held }),
          frozen: context.store.freeze.current()?.reason ?? null,
          now: context.clock.now(),
          held,
        };
        this.reportCounts(snapshot.tallies, rollout.wave);
        const actions = decideRun(snapshot);
        for (const action of actions) {
          const exit = this.act(action, snapshot);
          if (exit) {
            await this.settle();
            if (this.failure) throw this.failure;
            return exit;
          }
        }
        // A dispatch or a skip works a chunk per tick: the next chunk is decided at once (after the
        // workers' writes get their turn), the rollout's status read again before each.
        if (actions.some((action) => action.kind === 'dispatch' || action.kind === 'skip')) await yieldToLoop();
        else await this.nap();
      }
    } finally {
      await this.settle();
    }
  }

  /** Returns an exit when the loop should stop. */
  private act(action: RunAction, snapshot: RunSnapshot): RunnerExit | null {
    const { context } = this;
    const { rollout } = snapshot;
    // Hosts a drive or a rollback names come from the snapshot's lists, with their place in the plan.
    let places: Map<string, HostPlace> | null = null;
    const placeOf = (hostname: string): HostPlace => {
      places ??= new Map([...snapshot.idle, ...snapshot.rollbackBatch].map((host) => [host.hostname, { wave: host.wave, batch: host.batch }]));
      const place = places.get(hostname);
      if (!place) throw new BugError(`decideRun named ${hostname}, which is in none of the snapshot's lists`);
      return place;
    };
    switch (action.kind) {
      case 'start':
        this.transition({ type: 'Started' });
        return null;
      case 'drive':
        for (const hostname of action.hostnames) this.launch(hostname, placeOf(hostname), () => driveHost(context, hostname));
        return null;
      case 'dispatch':
        commit(context, () => {
          for (const hostname of action.hostnames) {
            const row = hostRow(context, hostname);
            const next = transitionHost(row.state, { type: 'Dispatched' }, { stepCount: context.playbook.steps.length });
            context.store.rollouts.saveHostState(context.name, hostname, next, nowIso(context));
          }
          audit(
            context,
            action.hostnames.map((hostname) => ({ subject: `rollout:${context.name}`, host: hostname, action: 'rollout.host.dispatched', details: { wave: action.wave, batch: action.batch } })),
          );
        });
        for (const hostname of action.hostnames) {
          context.report({ type: 'host', hostname, wave: action.wave, status: 'running', detail: `batch ${action.batch}` });
          this.launch(hostname, { wave: action.wave, batch: action.batch }, () => driveHost(context, hostname));
        }
        return null;
      case 'rollback':
        for (const hostname of action.hostnames) this.launch(hostname, placeOf(hostname), () => rollbackHost(context, hostname, action.reason));
        return null;
      case 'skip':
        moveHosts(context, action.hostnames, { type: 'SkipRequested', reason: action.reason });
        return null;
      case 'budget-spent':
        this.transition({ type: 'GateFailed', wave: action.wave, reason: `failure budget spent: ${action.detail}`, onSpent: context.spec.failureBudget.onSpent });
        return null;
      case 'soak':
        this.soak(action, rollout);
        return null;
      case 'rollback-finished':
        this.transition({ type: 'RollbackFinished' });
        return null;
      case 'wait':
        if (action.why !== this.lastWhy) context.report({ type: 'wait', why: action.why });
        this.lastWhy = action.why;
        return null;
      case 'halted':
        return { status: 'halted', stoppedBecause: 'halted' };
      case 'done': {
        const status = rollout.status;
        commit(context, () => {
          const freed = context.store.rollouts.releaseLocks(context.name);
          if (freed > 0) audit(context, [{ subject: `rollout:${context.name}`, action: 'rollout.hosts-released', details: { status, hosts: freed } }]);
        });
        return { status, stoppedBecause: 'finished' };
      }
    }
  }

  private soak(action: Extract<RunAction, { kind: 'soak' }>, rollout: RolloutState): void {
    const { context } = this;
    if (this.reading) return;
    const now = context.clock.now().getTime();
    if (action.startedAt === null) {
      commit(context, () => {
        context.store.rollouts.setSoakStarted(context.name, nowIso(context));
        audit(context, [{ subject: `rollout:${context.name}`, action: 'rollout.soak-started', details: { wave: action.wave, seconds: context.spec.soak } }]);
      });
      context.report({ type: 'wait', why: `wave ${action.wave}: soaking ${context.spec.soak}s` });
      this.nextReadingAt = now;
      return;
    }
    const final = action.endsAt !== null && now >= action.endsAt.getTime();
    if (!final && now < this.nextReadingAt) return;
    this.nextReadingAt = now + context.spec.checkInterval * 1000;
    this.reading = this.readHealth(action.wave, final, action.last, rollout)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.reading = null;
        this.wake?.();
      });
  }

  /** Per-host checks on the wave's succeeded hosts, and the wave gates; all fail closed. */
  private async readHealth(wave: number, final: boolean, last: boolean, rollout: RolloutState): Promise<void> {
    const { context } = this;
    // A page of at most `parallel` hosts checked at a time, and only the unhealthy verdicts kept:
    // the last wave of a million-host rollout is read in bounded memory (it once took 2.2 GB).
    const readHosts = async () => {
      const unhealthyHosts: Array<{ hostname: string; detail: string }> = [];
      let checked = 0;
      let after: { batch: number; position: number } | null = null;
      for (;;) {
        const page = context.store.rollouts.hostnamesIn(context.name, wave, 'succeeded', after, context.spec.parallel);
        if (page.length === 0) return { hostsChecked: checked, unhealthyHosts };
        const verdicts = await Promise.all(page.map(async ({ hostname }) => ({ hostname, ...(await checkHost(context, hostname)) })));
        for (const verdict of verdicts) if (!verdict.healthy) unhealthyHosts.push({ hostname: verdict.hostname, detail: verdict.detail });
        checked += page.length;
        after = page.at(-1)!;
      }
    };
    const [hosts, gates] = await Promise.all([readHosts(), Promise.all(context.spec.gates.map((gate) => readGate(gate, { baseDir: context.specDir, localEnv: context.localEnv })))]);
    const verdict = judgeSoak({ wave, final, last, ...hosts, gates, gated: context.spec.gates.length > 0 });
    commit(context, () =>
      audit(context, [
        {
          subject: `rollout:${context.name}`,
          action: 'rollout.health-read',
          details: { wave, final, healthy: verdict.healthy, hostsChecked: hosts.hostsChecked, unhealthyHosts: verdict.unhealthyHosts.length, gates },
        },
      ]),
    );
    context.report({ type: 'health', wave, healthy: verdict.healthy, detail: verdict.detail });
    for (const host of verdict.unhealthyHosts) {
      try {
        moveHost(context, host.hostname, { type: 'HealthFailed', reason: host.reason });
      } catch (error) {
        // A host that changed state while the checks ran (rolled back by an abort) is left as it is.
        if (!(error instanceof InvalidTransitionError)) throw error;
      }
    }
    // The rollout may have been paused or aborted while the gates were read: apply only if still current.
    if (verdict.event?.type === 'GateFailed') {
      this.transition({ ...verdict.event, onSpent: context.spec.failureBudget.onSpent }, { ifStillAt: rollout });
    } else if (verdict.event) {
      this.transition(verdict.event, { ifStillAt: rollout });
    }
  }

  /** Applies a rollout event read fresh in the transaction; with ifStillAt, a stale event is dropped. */
  private transition(event: RolloutEvent, options: { ifStillAt?: RolloutState } = {}): void {
    const { context } = this;
    const changed = commit(context, () => {
      const current = context.store.rollouts.find(context.name)!;
      if (options.ifStillAt && (current.status !== options.ifStillAt.status || current.wave !== options.ifStillAt.wave)) return null;
      return applyRolloutEvent(context.store, current, event, context.actor, nowIso(context));
    });
    if (!changed) return;
    this.status = changed.to.status;
    context.report(
      event.type === 'WaveCompleted' && changed.to.status === 'running'
        ? { type: 'wave-completed', wave: event.wave, next: changed.to.wave }
        : { type: 'rollout', status: changed.to.status, reason: changed.to.reason, by: 'runner' },
    );
    if (changed.to.status !== changed.from.status) this.notify(changed);
  }

  /** A change someone else made (pause, abort, rollback from another terminal) is acknowledged in the audit trail. */
  private observe(rollout: { status: RolloutStatus; wave: number; reason: string | null; rollbackWave: number | null; updatedAt: string }): void {
    const { context } = this;
    const previous = this.status;
    this.status = rollout.status;
    if (previous === rollout.status || previous === 'planned') return;
    const latencyMs = Math.max(0, context.clock.now().getTime() - Date.parse(rollout.updatedAt));
    commit(context, () => audit(context, [{ subject: `rollout:${context.name}`, action: 'rollout.runner-observed', details: { from: previous, to: rollout.status, latencyMs } }]));
    context.report({ type: 'rollout', status: rollout.status, reason: rollout.reason, by: 'operator' });
  }

  private notify(change: { from: RolloutState; to: RolloutState; at: string }): void {
    const { context } = this;
    if (!context.spec.webhook) return;
    this.track(
      announceRolloutChange(
        context.spec,
        change,
        context.actor,
        (record) => commit(context, record),
        context.store,
        () => nowIso(context),
        context.specDir,
      ),
    );
  }

  private heartbeat(): void {
    const { context } = this;
    const now = context.clock.now().getTime();
    if (now - this.lastHeartbeat < this.timing.heartbeatMs) return;
    const kept = context.store.write(() => context.store.ledger.heartbeat(context.name, context.owner, nowIso(context)));
    if (!kept) throw new FleetwaveError('LEASE_LOST', `another runner took over rollout ${context.name}; this one stops`);
    this.lastHeartbeat = now;
  }

  /** Runs a host worker; a worker that returns the status it left its host in may say it settled quietly. */
  private launch(hostname: string, place: HostPlace, work: () => Promise<HostState['status'] | null | void>): void {
    if (this.workers.has(hostname)) return;
    this.held.set(hostname, place);
    let quietly = false;
    const running = work()
      .then((status) => {
        quietly = status === 'succeeded' || status === 'skipped';
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.workers.delete(hostname);
        this.held.delete(hostname);
        // The loop decides again once the last worker is done (the next batch may go), or when one
        // did not simply succeed (a failure, a rollback, an error); a host that succeeded changes
        // nothing the next poll cannot see. Waking on every one of thousands of hosts re-read the
        // whole working set thousands of times.
        if (this.workers.size === 0 || !quietly) this.wake?.();
      });
    this.workers.set(hostname, running);
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** Sleeps one poll interval, or less when a worker finishes. */
  private async nap(): Promise<void> {
    await Promise.race([sleep(this.timing.pollMs), new Promise<void>((resolve) => (this.wake = resolve))]);
    this.wake = null;
  }

  private async settle(): Promise<void> {
    while (this.workers.size > 0 || this.reading || this.background.size > 0) {
      await Promise.allSettled([...this.workers.values(), this.reading, ...this.background]);
    }
  }

  private reportCounts(tallies: readonly RunTally[], wave: number): void {
    this.context.report({ type: 'counts', wave, waves: lastWaveOf(tallies) + 1, byStatus: countTallies(tallies) });
  }
}
