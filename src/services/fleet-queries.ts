import type { Clock } from '../adapters/clock.js';
import { withStore, type Store } from '../adapters/store/store.js';
import type { AuditEvent } from '../audit/event.js';
import { parseTimeBound, parseTimeWindow } from '../audit/time-bound.js';
import { FleetwaveError } from '../errors.js';
import { FLEET_CHANGING_ACTIONS, replayFleet } from '../fleet/fleet-history.js';
import type { FailureDomain, Host } from '../fleet/host.js';
import { eventTimeline, type TimelineEntry } from '../audit/event-timeline.js';
import { compileSelector } from '../fleet/selector.js';
import { summarizeFleet, type FleetSummary } from '../fleet/summary.js';

export interface FleetQuery {
  dbPath: string;
  where?: string;
  /** `--at`: an ISO time or a duration back from now (7d); the fleet as the audit trail says it was then. */
  at?: string;
  clock: Clock;
}

/** The moment a query looks at, as ISO UTC; null for now (the live tables). */
function resolveAt(query: Pick<FleetQuery, 'at' | 'clock'>): string | null {
  return query.at === undefined ? null : parseTimeBound(query.at, query.clock.now(), '--at');
}

/** A query's selector compiled and its moment resolved before the database is touched, so a typo fails fast and cleanly. */
export function fleetSelection(query: Omit<FleetQuery, 'dbPath'>): { at: string | null; matches: (host: Host) => boolean } {
  return { matches: compileSelector(query.where ?? ''), at: resolveAt(query) };
}

/** The host-changing events before `until` (of one host, when given), details parsed, in id order. */
function* fleetChanges(store: Store, until: string, hostname: string | null = null) {
  for (const row of store.events.iterateActions(FLEET_CHANGING_ACTIONS, until, hostname)) yield { host: row.host, action: row.action, at: row.at, details: JSON.parse(row.details) as unknown };
}

/**
 * The fleet at `at`, replayed from the audit trail (every host write commits with an event saying
 * what it wrote); the live table when `at` is null.
 */
export function fleetAt(store: Store, at: string | null): Host[] {
  return at === null ? store.hosts.all() : replayFleet(fleetChanges(store, at));
}

export function selectHosts(query: FleetQuery): { at: string | null; hosts: Host[] } {
  const { at, matches } = fleetSelection(query);
  return withStore({ path: query.dbPath, create: false }, (store) => ({ at, hosts: fleetAt(store, at).filter(matches) }));
}

export function summarizeHosts(query: FleetQuery & { groupBy: FailureDomain | null }): FleetSummary & { where: string | null; at: string | null } {
  const { at, hosts } = selectHosts(query);
  return { ...summarizeFleet(hosts, query.groupBy), where: query.where ?? null, at };
}

export interface HostDetail {
  at: string | null;
  host: Host;
  recentEvents: AuditEvent[];
}

export function showHost(request: { dbPath: string; hostname: string; events: number; at?: string; clock: Clock }): HostDetail {
  const at = resolveAt(request);
  return withStore({ path: request.dbPath, create: false }, (store) => {
    // One host's past is its own events replayed (the host index finds them), not the whole fleet's.
    const host = at === null ? store.hosts.find(request.hostname) : (replayFleet(fleetChanges(store, at, request.hostname))[0] ?? null);
    if (!host) {
      throw new FleetwaveError('HOST_NOT_FOUND', `no host named ${request.hostname} in the fleet${at === null ? '' : ` at ${at}`}`, {
        suggestions: [
          `List hosts with: fleetwave fleet list --where 'hostname=${request.hostname.slice(0, 3)}*'${at === null ? '' : ` --at ${at}`}`,
          `See when it was added or removed: fleetwave fleet history ${request.hostname}`,
        ],
      });
    }
    return { at, host, recentEvents: store.events.query({ host: request.hostname, ...(at === null ? {} : { until: at }), limit: request.events }).events };
  });
}

export interface HostHistoryRequest {
  dbPath: string;
  hostname: string;
  since?: string;
  until?: string;
  /** The newest `limit` entries; 0 for all. */
  limit: number;
  clock: Clock;
}

export interface HostHistory {
  hostname: string;
  since: string | null;
  until: string | null;
  /** Every event of the host in the window; `entries` may hold only the newest `limit`. */
  totalMatching: number;
  limit: number;
  entries: TimelineEntry[];
}

/** A host's timeline from the audit trail: imports, probes, key pins, rollout steps, reboots, rollbacks, quarantine. */
export function hostHistory(request: HostHistoryRequest): HostHistory {
  const window = parseTimeWindow(request, request.clock.now());
  return withStore({ path: request.dbPath, create: false }, (store) => {
    const page = store.events.query({ host: request.hostname, ...window, limit: request.limit });
    if (page.totalMatching === 0 && store.events.query({ host: request.hostname, limit: 1, count: false }).events.length === 0) {
      throw new FleetwaveError('HOST_NOT_FOUND', `the audit trail holds no event about a host named ${request.hostname}`, {
        suggestions: [`Host names are exact; list hosts with: fleetwave fleet list --where 'hostname=${request.hostname.slice(0, 3)}*'`],
      });
    }
    return { hostname: request.hostname, since: window.since ?? null, until: window.until ?? null, totalMatching: page.totalMatching, limit: request.limit, entries: eventTimeline(page.events) };
  });
}
