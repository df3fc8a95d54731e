/**
 * Whether a runner's lease is alive, decided in one place for the runner that wants to take a
 * rollout over, for on-call commands that say whether a runner will see their change, and for
 * `rollout status`. A lease lives while its heartbeat is younger than its TTL, unless its process is
 * provably gone: only a lease taken on this same machine can be checked that way (a pid on another
 * machine means nothing here), so a lease from elsewhere is judged by its heartbeat alone.
 */
export interface LeaseFacts {
  heartbeatAt: string;
  ttlMs: number;
  machine: string;
  pid: number;
}

/** What the judging process can observe about itself: its machine, and whether a local pid runs. */
export interface ProcessProbe {
  machine: string;
  pidAlive(pid: number): boolean;
}

export type LeaseVerdict = { alive: true } | { alive: false; why: string };

export function judgeLease(lease: LeaseFacts, now: Date, here: ProcessProbe): LeaseVerdict {
  const ageMs = now.getTime() - Date.parse(lease.heartbeatAt);
  if (Number.isNaN(ageMs)) return { alive: false, why: `its heartbeat time ${JSON.stringify(lease.heartbeatAt)} is unreadable` };
  if (ageMs > lease.ttlMs) return { alive: false, why: `its heartbeat is ${Math.round(ageMs / 1000)}s old, past its ${Math.round(lease.ttlMs / 1000)}s lease` };
  if (lease.machine === here.machine && !here.pidAlive(lease.pid)) return { alive: false, why: `pid ${lease.pid} is no longer running on ${lease.machine}` };
  return { alive: true };
}
