import { withStore } from '../adapters/store/store.js';
import type { AuditEvent } from '../audit/event.js';
import { FleetwaveError } from '../errors.js';
import type { FailureDomain, Host } from '../fleet/host.js';
import { compileSelector } from '../fleet/selector.js';
import { summarizeFleet, type FleetSummary } from '../fleet/summary.js';

export interface FleetQuery {
  dbPath: string;
  where?: string;
}

/** The selector is compiled before the database is touched, so a typo fails fast and cleanly. */
export function selectHosts(query: FleetQuery): Host[] {
  const matches = compileSelector(query.where ?? '');
  return withStore({ path: query.dbPath, create: false }, (store) => store.hosts.all().filter(matches));
}

export function summarizeHosts(query: FleetQuery & { groupBy: FailureDomain | null }): FleetSummary & { where: string | null } {
  return { ...summarizeFleet(selectHosts(query), query.groupBy), where: query.where ?? null };
}

export interface HostDetail {
  host: Host;
  recentEvents: AuditEvent[];
}

export function showHost(request: { dbPath: string; hostname: string; events: number }): HostDetail {
  return withStore({ path: request.dbPath, create: false }, (store) => {
    const host = store.hosts.find(request.hostname);
    if (!host) {
      throw new FleetwaveError('HOST_NOT_FOUND', `no host named ${request.hostname} in the fleet`, {
        suggestions: [`List hosts with: fleetwave fleet list --where 'hostname=${request.hostname.slice(0, 3)}*'`],
      });
    }
    return { host, recentEvents: store.events.query({ host: request.hostname, limit: request.events }).events };
  });
}
