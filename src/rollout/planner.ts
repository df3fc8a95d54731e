import { FAILURE_DOMAINS, type FailureDomain, type Host } from '../fleet/host.js';
import { rolloutKind } from './kinds/index.js';
import { resolveAmount, type RolloutSpec } from './spec.js';

export const QUARANTINE_LABEL = 'fleetwave/quarantine';

export interface PlanContext {
  /** Hosts held by another active rollout, with that rollout's name. */
  lockedBy: ReadonlyMap<string, string>;
}

export interface PlannedWave {
  index: number;
  canary: boolean;
  /** Hosts that may be in flight together without breaking a spread limit, in dispatch order. */
  batches: string[][];
}

export interface RolloutPlan {
  waves: PlannedWave[];
  excluded: { hostname: string; reason: string }[];
  /** Problems with the spec against this fleet (an explicit canary that cannot be used, say). */
  problems: string[];
  hostCount: number;
}

function exclusionReason(spec: RolloutSpec, host: Host, context: PlanContext): string | null {
  const quarantine = host.labels[QUARANTINE_LABEL];
  if (quarantine !== undefined) return `quarantined${quarantine && quarantine !== 'true' ? `: ${quarantine}` : ''}`;
  const holder = context.lockedBy.get(host.hostname);
  if (holder !== undefined && holder !== spec.name) return `locked by rollout ${holder}`;
  return rolloutKind(spec.kind).exclusion(spec.target, host);
}

/** One from each group in turn, then the second of each, and so on. */
function roundRobin<T>(groups: ReadonlyArray<readonly T[]>): T[] {
  const total = groups.reduce((sum, group) => sum + group.length, 0);
  const result: T[] = [];
  for (let round = 0; result.length < total; round += 1) for (const group of groups) if (round < group.length) result.push(group[round]!);
  return result;
}

/** Round-robin across groups in key order, so neighbours in the result come from different groups. */
function interleave<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(item);
  }
  return roundRobin([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group));
}

/** Zones alternate, and within a zone racks alternate: any prefix of the order is spread out. */
function spreadOrder(hosts: readonly Host[]): Host[] {
  const byName = [...hosts].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  const byZone = new Map<string, Host[]>();
  for (const host of byName) {
    const zone = `${host.cluster ?? ''}/${host.zone ?? ''}`;
    const members = byZone.get(zone);
    if (members) members.push(host);
    else byZone.set(zone, [host]);
  }
  // Zones in order of their first host by name, each with its racks interleaved.
  return roundRobin([...byZone.values()].map((members) => interleave(members, (host) => host.rack ?? '')));
}

/** In-flight limit for one failure-domain value, e.g. rack "r07", or undefined when unlimited. */
type LimitOf = (domain: FailureDomain, value: string) => number | undefined;

/**
 * Splits a wave into batches so that no failure domain has more than its limit in flight. Greedy:
 * each host goes into the earliest batch where every one of its domains still has room.
 */
function batchWave(hosts: readonly Host[], limitOf: LimitOf): string[][] {
  // One slot per limited domain value ("rack r07"): its limit, hosts placed so far, and hosts per batch.
  interface Slot {
    limit: number;
    seen: number;
    used: number[];
  }
  const slots = FAILURE_DOMAINS.map(() => new Map<string, Slot | null>());
  const batches: string[][] = [];
  for (const host of hosts) {
    const mine: Slot[] = [];
    // No batch before rank/limit can have room, so the search starts there.
    let batch = 0;
    FAILURE_DOMAINS.forEach((domain, index) => {
      const value = host[domain] ?? '';
      let slot = slots[index]!.get(value);
      if (slot === undefined) {
        const limit = limitOf(domain, value);
        slot = limit === undefined ? null : { limit, seen: 0, used: [] };
        slots[index]!.set(value, slot);
      }
      if (slot === null) return;
      mine.push(slot);
      batch = Math.max(batch, Math.floor(slot.seen / slot.limit));
    });
    while (mine.some((slot) => (slot.used[batch] ?? 0) >= slot.limit)) batch += 1;
    for (const slot of mine) {
      slot.used[batch] = (slot.used[batch] ?? 0) + 1;
      slot.seen += 1;
    }
    (batches[batch] ??= []).push(host.hostname);
  }
  return batches.filter((batch) => batch !== undefined);
}

/** Pure: the same spec, hosts and context always give the same plan. */
export function planRollout(spec: RolloutSpec, selected: readonly Host[], context: PlanContext): RolloutPlan {
  const excluded: RolloutPlan['excluded'] = [];
  const eligible: Host[] = [];
  for (const host of selected) {
    const reason = exclusionReason(spec, host, context);
    if (reason) excluded.push({ hostname: host.hostname, reason });
    else eligible.push(host);
  }
  const problems: string[] = [];
  const ordered = spreadOrder(eligible);

  let canaries: Host[];
  if (Array.isArray(spec.canary)) {
    const byName = new Map(ordered.map((host) => [host.hostname, host]));
    canaries = spec.canary.flatMap((hostname) => {
      const host = byName.get(hostname);
      if (!host) problems.push(`canary ${hostname} is not among the hosts this rollout would change (${excluded.find((entry) => entry.hostname === hostname)?.reason ?? 'not selected'})`);
      return host ? [host] : [];
    });
  } else {
    canaries = ordered.slice(0, Math.min(spec.canary, ordered.length));
  }
  const canaryNames = new Set(canaries.map((host) => host.hostname));
  const rest = ordered.filter((host) => !canaryNames.has(host.hostname));

  // A percentage limit is a share of that domain value's own eligible hosts ("10% of each zone").
  const sizes = new Map(FAILURE_DOMAINS.map((domain) => [domain, countBy(eligible, domain)]));
  const limitOf: LimitOf = (domain, value) => {
    const amount = spec.spread[domain];
    return amount === undefined ? undefined : Math.max(1, resolveAmount(amount, sizes.get(domain)!.get(value) ?? 0));
  };

  const waves: PlannedWave[] = [];
  if (canaries.length > 0) waves.push({ index: 0, canary: true, batches: batchWave(canaries, limitOf) });
  let offset = 0;
  for (let step = 0; offset < rest.length; step += 1) {
    const size = Math.max(1, resolveAmount(spec.waves[Math.min(step, spec.waves.length - 1)]!, eligible.length));
    const members = rest.slice(offset, offset + size);
    offset += members.length;
    waves.push({ index: waves.length, canary: false, batches: batchWave(members, limitOf) });
  }
  return { waves, excluded: excluded.sort((a, b) => (a.hostname < b.hostname ? -1 : 1)), problems, hostCount: eligible.length };
}

function countBy(hosts: readonly Host[], domain: FailureDomain): Map<string, number> {
  const counts = new Map<string, number>();
  for (const host of hosts) counts.set(host[domain] ?? '', (counts.get(host[domain] ?? '') ?? 0) + 1);
  return counts;
}
