import { countsAsFailure, inFlight, needsRollback, type HostState } from './host-machine.js';
import { judgeFailureBudget, inMaintenanceWindow } from './policies.js';
import type { RolloutState } from './rollout-machine.js';
import type { RolloutSpec } from './spec.js';

/** One host of a rollout as the runner sees it on a tick. */
export interface RunHostView {
  hostname: string;
  wave: number;
  batch: number;
  state: HostState;
  acknowledged: boolean;
}

export interface RunSnapshot {
  rollout: RolloutState & { soakStartedAt: string | null };
  spec: RolloutSpec;
  hosts: readonly RunHostView[];
  /** The fleet freeze's reason, or null. */
  frozen: string | null;
  now: Date;
  /** Hosts a worker of this runner is driving right now. */
  busy: ReadonlySet<string>;
}

export type RunAction =
  | { kind: 'start' }
  /** Carry on with hosts a previous (dead) runner left in flight. */
  | { kind: 'drive'; hostnames: string[] }
  | { kind: 'dispatch'; wave: number; batch: number; hostnames: string[] }
  | { kind: 'rollback'; hostnames: string[]; reason: string }
  /** Pending hosts of a rollout that will never reach them. */
  | { kind: 'skip'; hostnames: string[]; reason: string }
  | { kind: 'budget-spent'; wave: number; detail: string }
  /** Every host of the wave is done: soak it (start the clock if needed), then complete it. */
  | { kind: 'soak'; wave: number; startedAt: string | null; endsAt: Date | null; last: boolean }
  | { kind: 'rollback-finished' }
  | { kind: 'wait'; why: string }
  /** Halted with nothing left to do: an operator must look before it resumes. */
  | { kind: 'halted' }
  /** Terminal and settled: free the hosts and stop. */
  | { kind: 'done' };

const SETTLED: ReadonlySet<HostState['status']> = new Set(['succeeded', 'rolled-back', 'rollback-failed', 'skipped']);

/**
 * What the runner should do now, decided from plain data. The runner calls this on every tick
 * (a few times a second), performs the actions, and stores each resulting transition before the
 * next effect: a killed runner's successor reads the same rows and decides the same way.
 */
export function decideRun(snapshot: RunSnapshot): RunAction[] {
  const { rollout, spec, hosts, busy } = snapshot;
  const idle = hosts.filter((host) => !busy.has(host.hostname));
  const names = (list: readonly RunHostView[]) => list.map((host) => host.hostname);
  // Failed hosts are always rolled back, whatever the rollout is doing; so are rollbacks a dead runner left half done.
  const toRollBack = idle.filter((host) => host.state.status === 'failed' || host.state.status === 'rolling-back');
  const autoRollback: RunAction[] = toRollBack.length > 0 ? [{ kind: 'rollback', hostnames: names(toRollBack), reason: 'the host failed' }] : [];
  const orphans = idle.filter((host) => inFlight(host.state));
  const carryOn: RunAction[] = orphans.length > 0 ? [{ kind: 'drive', hostnames: names(orphans) }] : [];

  switch (rollout.status) {
    case 'planned':
      return [{ kind: 'start' }];
    case 'completed':
    case 'rolled-back':
      return [{ kind: 'done' }];
    case 'paused':
      // In-flight hosts finish their playbook; nothing new starts.
      return [...autoRollback, ...carryOn, { kind: 'wait', why: `paused${rollout.reason ? `: ${rollout.reason}` : ''}` }];
    case 'halted': {
      const unsettled = hosts.some((host) => busy.has(host.hostname) || inFlight(host.state) || host.state.status === 'failed' || host.state.status === 'rolling-back');
      if (unsettled) return [...autoRollback, ...carryOn, { kind: 'wait', why: 'halted: settling hosts in flight' }];
      return [{ kind: 'halted' }];
    }
    case 'aborted': {
      const inFlightIdle = idle.filter((host) => inFlight(host.state) || host.state.status === 'failed' || host.state.status === 'rolling-back');
      const pending = hosts.filter((host) => host.state.status === 'pending');
      const actions: RunAction[] = [];
      if (inFlightIdle.length > 0) actions.push({ kind: 'rollback', hostnames: names(inFlightIdle), reason: `rollout aborted${rollout.reason ? `: ${rollout.reason}` : ''}` });
      if (pending.length > 0) actions.push({ kind: 'skip', hostnames: names(pending), reason: 'rollout aborted before this host' });
      if (actions.length > 0) return actions;
      return busy.size > 0 ? [{ kind: 'wait', why: 'aborting: waiting for hosts in flight to stop' }] : [{ kind: 'done' }];
    }
    case 'rolling-back':
      return decideRollback(snapshot);
    case 'running':
      return [...autoRollback, ...carryOn, ...decideRunning(snapshot)];
  }
}

function decideRollback({ rollout, hosts, busy }: RunSnapshot): RunAction[] {
  const scope = hosts.filter((host) => rollout.rollbackWave === null || host.wave === rollout.rollbackWave);
  const actions: RunAction[] = [];
  const pending = rollout.rollbackWave === null ? hosts.filter((host) => host.state.status === 'pending') : [];
  if (pending.length > 0) actions.push({ kind: 'skip', hostnames: pending.map((host) => host.hostname), reason: 'rollout rolled back before this host' });
  // One batch at a time, newest wave first, so the spread limits hold on the way back too.
  if (busy.size > 0) return [...actions, { kind: 'wait', why: 'rolling back: a batch is in progress' }];
  const targets = scope.filter((host) => needsRollback(host.state));
  if (targets.length === 0) return [...actions, { kind: 'rollback-finished' }];
  const newest = targets.reduce((top, host) => (host.wave > top.wave || (host.wave === top.wave && host.batch > top.batch) ? host : top));
  const batch = targets.filter((host) => host.wave === newest.wave && host.batch === newest.batch);
  return [...actions, { kind: 'rollback', hostnames: batch.map((host) => host.hostname), reason: rollout.reason ?? 'rollout rolled back' }];
}

function decideRunning({ rollout, spec, hosts, busy, frozen, now }: RunSnapshot): RunAction[] {
  const waveHosts = hosts.filter((host) => host.wave === rollout.wave);
  const lastWave = Math.max(0, ...hosts.map((host) => host.wave));
  const unacknowledged = (host: RunHostView) => !host.acknowledged && countsAsFailure(host.state);
  const budget = judgeFailureBudget(spec.failureBudget, {
    waveHosts: waveHosts.length,
    waveFailed: waveHosts.filter(unacknowledged).length,
    plannedHosts: hosts.length,
    totalFailed: hosts.filter(unacknowledged).length,
  });
  if (budget.spent) return [{ kind: 'budget-spent', wave: rollout.wave, detail: budget.detail }];

  // Hosts of one batch at a time (the spread limits), and never more than spec.parallel of them.
  const active = waveHosts.filter((host) => busy.has(host.hostname) || !(SETTLED.has(host.state.status) || host.state.status === 'pending'));
  const pending = waveHosts.filter((host) => host.state.status === 'pending');
  const batch = active.length > 0 ? Math.min(...active.map((host) => host.batch)) : pending.length > 0 ? Math.min(...pending.map((host) => host.batch)) : null;
  const ready = pending.filter((host) => host.batch === batch).slice(0, Math.max(0, spec.parallel - active.length));
  if (ready.length > 0 && batch !== null) {
    if (frozen !== null) return [{ kind: 'wait', why: `fleet frozen: ${frozen}` }];
    if (!inMaintenanceWindow(spec.maintenanceWindows, now)) return [{ kind: 'wait', why: 'outside every maintenance window' }];
    return [{ kind: 'dispatch', wave: rollout.wave, batch, hostnames: ready.map((host) => host.hostname) }];
  }
  if (active.length > 0 || pending.length > 0) return [{ kind: 'wait', why: `wave ${rollout.wave}: hosts in flight` }];
  const startedAt = rollout.soakStartedAt;
  return [{ kind: 'soak', wave: rollout.wave, startedAt, endsAt: startedAt === null ? null : new Date(Date.parse(startedAt) + spec.soak * 1000), last: rollout.wave >= lastWave }];
}
