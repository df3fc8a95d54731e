import { countsAsFailure, inFlight, ROLLBACK_STATUSES, WORKING_STATUSES, type HostState } from './host-machine.js';
import { judgeGates, type GateReading } from './gates.js';
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

/** How many hosts of one wave are in one status; the repository keeps these incrementally. */
export interface RunTally {
  wave: number;
  status: HostState['status'];
  hosts: number;
  /** Of them, hosts that failed themselves and no operator acknowledged: what the failure budget counts. */
  unacknowledgedFailures: number;
}

/** Where a host sits in the plan; fixed when the rollout is planned. */
export interface HostPlace {
  wave: number;
  batch: number;
}

/** A pending host (its state needs no reading: it is pending). */
export interface PendingHost extends HostPlace {
  hostname: string;
}

/**
 * What one tick decides over. Its size is bounded by the work in flight, never by the rollout's
 * size: counts instead of host lists, and only the hosts an action may name. The hosts this
 * runner's workers hold are known in memory (`held`): their rows are never read on a tick.
 */
export interface RunSnapshot {
  rollout: RolloutState & { soakStartedAt: string | null };
  spec: RolloutSpec;
  tallies: readonly RunTally[];
  /**
   * Hosts in flight, failed or rolling back that no worker of this runner holds: what a dead
   * runner left in flight, and failed hosts waiting for their rollback.
   */
  idle: readonly RunHostView[];
  /** The current wave's pending hosts of its lowest pending batch, in plan order: at most what one tick dispatches. */
  nextBatch: readonly PendingHost[];
  /** Pending hosts of any wave, at most SKIP_CHUNK: what an abort or a full rollback skips next. */
  pendingAny: readonly PendingHost[];
  /** Rolling back: the newest (wave, batch) of the rollback's scope whose hosts still need a rollback. */
  rollbackBatch: readonly RunHostView[];
  /** The fleet freeze's reason, or null. */
  frozen: string | null;
  now: Date;
  /** Hosts a worker of this runner is driving right now, and where each sits in the plan. */
  held: ReadonlyMap<string, HostPlace>;
}

/** Pending hosts skipped per tick: an abort of a million-host rollout proceeds in bounded steps. */
export const SKIP_CHUNK = 1000;

/**
 * Hosts dispatched per tick. Dispatching is one transaction and starts a worker per host; a batch
 * of 5,000 at once kept the runner from reading the rollout's status for over a second at a million
 * hosts (an operator's pause waited that long). The runner ticks again at once after a dispatch.
 */
export const DISPATCH_CHUNK = 500;

export type RunView = Pick<RunSnapshot, 'tallies' | 'idle' | 'nextBatch' | 'pendingAny' | 'rollbackBatch'>;

/** How many of the next batch's hosts a view holds: what one tick may dispatch. */
export function nextBatchLimit(at: Pick<RunViewRequest, 'parallel'>): number {
  return Math.min(at.parallel, DISPATCH_CHUNK);
}

/** What the view is read for: the rollout's state and position, its parallelism and the hosts this runner holds. */
export interface RunViewRequest {
  status: RolloutState['status'];
  wave: number;
  rollbackWave: number | null;
  parallel: number;
  /** The hosts this runner's workers hold (the runner's own map of them serves as it is). */
  held: Pick<ReadonlySet<string>, 'has'>;
}

/**
 * Which of the view's host lists a tick in this state can act on (decideRun reads no other): the
 * rest are not read. The newest batch to undo is a whole batch (a wave of 200,000 hosts with no
 * spread limit is one batch), and it was read on every tick of a running rollout.
 */
export function viewNeeds(at: Pick<RunViewRequest, 'status' | 'rollbackWave'>): { nextBatch: boolean; pendingAny: boolean; rollbackBatch: boolean } {
  return {
    nextBatch: at.status === 'running',
    pendingAny: at.status === 'aborted' || (at.status === 'rolling-back' && at.rollbackWave === null),
    rollbackBatch: at.status === 'rolling-back',
  };
}

const byPlanOrder = (a: RunHostView & { position?: number }, b: RunHostView & { position?: number }) =>
  a.wave - b.wave || a.batch - b.batch || (a.position ?? 0) - (b.position ?? 0) || a.hostname.localeCompare(b.hostname);

/**
 * The bounded view of every host, computed in memory: what the rollout repository reads with SQL
 * (tests hold the two to the same answers), for tests and for callers that hold the rows anyway.
 */
export function viewOfHosts(hosts: ReadonlyArray<RunHostView & { position?: number }>, at: RunViewRequest): RunView {
  const tallies = new Map<string, RunTally>();
  let pendingWave: number | null = null;
  for (const host of hosts) {
    const key = `${host.wave} ${host.state.status}`;
    const tally = tallies.get(key) ?? { wave: host.wave, status: host.state.status, hosts: 0, unacknowledgedFailures: 0 };
    tally.hosts += 1;
    if (countsAsFailure(host.state) && !host.acknowledged) tally.unacknowledgedFailures += 1;
    tallies.set(key, tally);
    if (host.state.status === 'pending' && host.wave === at.wave) pendingWave = pendingWave === null ? host.batch : Math.min(pendingWave, host.batch);
  }
  const sorted = [...hosts].sort(byPlanOrder);
  const strip = ({ hostname, wave, batch, state, acknowledged }: RunHostView): RunHostView => ({ hostname, wave, batch, state, acknowledged });
  const place = ({ hostname, wave, batch }: RunHostView): PendingHost => ({ hostname, wave, batch });
  const needs = viewNeeds(at);
  const needing = sorted.filter((host) => ROLLBACK_STATUSES.has(host.state.status) && (at.rollbackWave === null || host.wave === at.rollbackWave));
  const newest = needing.at(-1);
  return {
    tallies: [...tallies.values()].sort((a, b) => a.wave - b.wave || a.status.localeCompare(b.status)),
    idle: sorted.filter((host) => WORKING_STATUSES.has(host.state.status) && !at.held.has(host.hostname)).map(strip),
    nextBatch: needs.nextBatch
      ? sorted
          .filter((host) => host.state.status === 'pending' && host.wave === at.wave && host.batch === pendingWave)
          .slice(0, nextBatchLimit(at))
          .map(place)
      : [],
    pendingAny: needs.pendingAny
      ? sorted
          .filter((host) => host.state.status === 'pending')
          .slice(0, SKIP_CHUNK)
          .map(place)
      : [],
    rollbackBatch: needs.rollbackBatch && newest ? needing.filter((host) => host.wave === newest.wave && host.batch === newest.batch).map(strip) : [],
  };
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

/** How many hosts are in each status (of one wave, when given), for progress lines, run results and status screens. */
export function countTallies(tallies: readonly RunTally[], wave?: number): Partial<Record<HostState['status'], number>> {
  const counts: Partial<Record<HostState['status'], number>> = {};
  for (const tally of tallies) if (wave === undefined || tally.wave === wave) counts[tally.status] = (counts[tally.status] ?? 0) + tally.hosts;
  return counts;
}

/** The rollout's last wave: the highest one that has hosts. */
export function lastWaveOf(tallies: readonly RunTally[]): number {
  return tallies.reduce((top, tally) => Math.max(top, tally.wave), 0);
}

function sumTallies(tallies: readonly RunTally[], keep: (tally: RunTally) => boolean, field: 'hosts' | 'unacknowledgedFailures' = 'hosts'): number {
  let sum = 0;
  for (const tally of tallies) if (keep(tally)) sum += tally[field];
  return sum;
}

/**
 * What the runner should do now, decided from plain data. The runner calls this on every tick
 * (a few times a second), performs the actions, and stores each resulting transition before the
 * next effect: a killed runner's successor reads the same rows and decides the same way.
 */
export function decideRun(snapshot: RunSnapshot): RunAction[] {
  const { rollout, idle, held, pendingAny } = snapshot;
  const names = (list: ReadonlyArray<{ hostname: string }>) => list.map((host) => host.hostname);
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
      const unsettled = held.size > 0 || idle.some((host) => inFlight(host.state) || host.state.status === 'failed' || host.state.status === 'rolling-back');
      if (unsettled) return [...autoRollback, ...carryOn, { kind: 'wait', why: 'halted: settling hosts in flight' }];
      return [{ kind: 'halted' }];
    }
    case 'aborted': {
      const inFlightIdle = idle.filter((host) => inFlight(host.state) || host.state.status === 'failed' || host.state.status === 'rolling-back');
      const actions: RunAction[] = [];
      if (inFlightIdle.length > 0) actions.push({ kind: 'rollback', hostnames: names(inFlightIdle), reason: `rollout aborted${rollout.reason ? `: ${rollout.reason}` : ''}` });
      if (pendingAny.length > 0) actions.push({ kind: 'skip', hostnames: names(pendingAny), reason: 'rollout aborted before this host' });
      if (actions.length > 0) return actions;
      return held.size > 0 ? [{ kind: 'wait', why: 'aborting: waiting for hosts in flight to stop' }] : [{ kind: 'done' }];
    }
    case 'rolling-back':
      return decideRollback(snapshot);
    case 'running':
      return [...autoRollback, ...carryOn, ...decideRunning(snapshot)];
  }
}

function decideRollback({ rollout, held, pendingAny, rollbackBatch }: RunSnapshot): RunAction[] {
  const actions: RunAction[] = [];
  if (rollout.rollbackWave === null && pendingAny.length > 0) actions.push({ kind: 'skip', hostnames: pendingAny.map((host) => host.hostname), reason: 'rollout rolled back before this host' });
  // One batch at a time, newest wave first, so the spread limits hold on the way back too.
  if (held.size > 0) return [...actions, { kind: 'wait', why: 'rolling back: a batch is in progress' }];
  if (rollbackBatch.length === 0) return [...actions, { kind: 'rollback-finished' }];
  return [...actions, { kind: 'rollback', hostnames: rollbackBatch.map((host) => host.hostname), reason: rollout.reason ?? 'rollout rolled back' }];
}

function decideRunning({ rollout, spec, tallies, idle, nextBatch, held, frozen, now }: RunSnapshot): RunAction[] {
  const inWave = (tally: RunTally) => tally.wave === rollout.wave;
  const lastWave = lastWaveOf(tallies);
  const budget = judgeFailureBudget(spec.failureBudget, {
    waveHosts: sumTallies(tallies, inWave),
    waveFailed: sumTallies(tallies, inWave, 'unacknowledgedFailures'),
    plannedHosts: sumTallies(tallies, () => true),
    totalFailed: sumTallies(tallies, () => true, 'unacknowledgedFailures'),
  });
  if (budget.spent) return [{ kind: 'budget-spent', wave: rollout.wave, detail: budget.detail }];

  // Hosts of one batch at a time (the spread limits), and never more than spec.parallel of them.
  // Active: what this runner's workers hold in the wave, and what they do not hold but is unsettled
  // (idle hosts are in flight, failed or rolling back: never settled, never pending).
  const unsettledIdle = idle.filter((host) => !SETTLED.has(host.state.status) && host.state.status !== 'pending');
  const active = [...held.values(), ...unsettledIdle].filter((place) => place.wave === rollout.wave);
  const activeCount = active.length;
  const lowestActive = active.reduce<number | null>((low, place) => (low === null ? place.batch : Math.min(low, place.batch)), null);
  const pendingInWave = sumTallies(tallies, (tally) => inWave(tally) && tally.status === 'pending');
  const batch = lowestActive ?? nextBatch[0]?.batch ?? null;
  const ready = nextBatch.filter((host) => host.batch === batch).slice(0, Math.min(DISPATCH_CHUNK, Math.max(0, spec.parallel - activeCount)));
  if (ready.length > 0 && batch !== null) {
    if (frozen !== null) return [{ kind: 'wait', why: `fleet frozen: ${frozen}` }];
    if (!inMaintenanceWindow(spec.maintenanceWindows, now)) return [{ kind: 'wait', why: 'outside every maintenance window' }];
    return [{ kind: 'dispatch', wave: rollout.wave, batch, hostnames: ready.map((host) => host.hostname) }];
  }
  if (activeCount > 0 || pendingInWave > 0) return [{ kind: 'wait', why: `wave ${rollout.wave}: hosts in flight` }];
  const startedAt = rollout.soakStartedAt;
  return [{ kind: 'soak', wave: rollout.wave, startedAt, endsAt: startedAt === null ? null : new Date(Date.parse(startedAt) + spec.soak * 1000), last: rollout.wave >= lastWave }];
}

/** One reading of a soaking wave: each succeeded host's checks, and the wave gates. */
export interface SoakReading {
  wave: number;
  /** The soak's time is up: a healthy reading now completes the wave. */
  final: boolean;
  /** The rollout's last wave. */
  last: boolean;
  /** How many succeeded hosts were checked, and those whose checks failed (only they are kept: a wave can be a million hosts). */
  hostsChecked: number;
  unhealthyHosts: ReadonlyArray<{ hostname: string; detail: string }>;
  gates: readonly GateReading[];
  /** Whether the spec has gates at all (a reading of none says nothing about them). */
  gated: boolean;
}

export interface SoakVerdict {
  healthy: boolean;
  detail: string;
  /** Hosts whose checks failed: each is failed (then rolled back), whatever happens to the wave. */
  unhealthyHosts: Array<{ hostname: string; reason: string }>;
  /** What happens to the rollout: a failed gate stops the wave; a final healthy reading completes it. */
  event: { type: 'GateFailed'; wave: number; reason: string } | { type: 'WaveCompleted'; wave: number; last: boolean } | null;
}

/**
 * The verdict of one soak reading. Unhealthy hosts fail one by one (the failure budget judges how
 * many a wave may lose); a failed gate fails the wave; only a final reading with every host and
 * every gate healthy completes it. Gates fail closed: a gate that could not be read is unhealthy.
 */
export function judgeSoak(reading: SoakReading): SoakVerdict {
  const unhealthy = reading.unhealthyHosts;
  const gates = judgeGates(reading.gates);
  const healthy = unhealthy.length === 0 && gates.healthy;
  const detail = [
    `${reading.hostsChecked - unhealthy.length}/${reading.hostsChecked} hosts pass their checks`,
    reading.gated ? gates.detail : null,
    ...unhealthy.map((host) => `${host.hostname}: ${host.detail}`),
  ]
    .filter(Boolean)
    .join('; ');
  const event: SoakVerdict['event'] = !gates.healthy
    ? { type: 'GateFailed', wave: reading.wave, reason: `health gate failed: ${gates.detail}` }
    : reading.final && unhealthy.length === 0
      ? { type: 'WaveCompleted', wave: reading.wave, last: reading.last }
      : null;
  return { healthy, detail, unhealthyHosts: unhealthy.map((host) => ({ hostname: host.hostname, reason: `during the soak: ${host.detail}` })), event };
}
