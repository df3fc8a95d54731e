import type { AuditEvent } from '../audit/event.js';
import { notYetObserved, type Host } from './host.js';

/**
 * The fleet as the audit trail tells it. Every write to the hosts table commits with an event
 * that says what it wrote (import, probe, quarantine), at the same time stamp, so replaying those
 * events in order rebuilds the table as it stood at any moment. The events are the source of
 * truth; a test holds the replay of "now" to the live table.
 */

type Details = Record<string, unknown>;

/** Applies one event's change to the fleet as it stood before the event. */
type FleetChange = (fleet: Map<string, Host>, hostname: string, details: Details, at: string) => void;

function text(details: Details, key: string): string | null {
  const value = details[key];
  return typeof value === 'string' ? value : null;
}

function flag(details: Details, key: string): boolean | null {
  const value = details[key];
  return typeof value === 'boolean' ? value : null;
}

function labelsOf(value: unknown): Record<string, string> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, string>) } : {};
}

/** Applies `change` to the host if the fleet still holds it (a probe may race a removal). */
function onHost(change: (host: Host, details: Details, at: string) => void): FleetChange {
  return (fleet, hostname, details, at) => {
    const host = fleet.get(hostname);
    if (host) {
      change(host, details, at);
      host.updatedAt = at;
    }
  };
}

/** The inventory fields an import's change list may name, and where each lands on a host. */
const IMPORTED_FIELDS: Record<string, (host: Host, value: unknown) => void> = {
  address: (host, value) => (host.address = String(value)),
  port: (host, value) => (host.port = typeof value === 'number' ? value : null),
  user: (host, value) => (host.user = typeof value === 'string' ? value : null),
  cluster: (host, value) => (host.cluster = typeof value === 'string' ? value : null),
  zone: (host, value) => (host.zone = typeof value === 'string' ? value : null),
  rack: (host, value) => (host.rack = typeof value === 'string' ? value : null),
  labels: (host, value) => (host.labels = labelsOf(value)),
  runningKernel: (host, value) => (host.runningKernel = typeof value === 'string' ? value : null),
};

/**
 * The one registry of events that change the hosts table, by action. An action missing here
 * changes no host; `fleetChangingActions` is what the store reads for a replay.
 */
const FLEET_CHANGES = new Map<string, FleetChange>([
  [
    'host.added',
    (fleet, hostname, details, at) => {
      // An added host carries every inventory field (and the kernel, when the file saw it): each
      // lands as an import's change would land it.
      const host: Host = { hostname, address: hostname, port: null, user: null, cluster: null, zone: null, rack: null, labels: {}, ...notYetObserved(), createdAt: at, updatedAt: at };
      for (const [field, land] of Object.entries(IMPORTED_FIELDS)) if (field in details) land(host, details[field]);
      fleet.set(hostname, host);
    },
  ],
  [
    'host.updated',
    onHost((host, details) => {
      const changes = Array.isArray(details.changes) ? (details.changes as Array<{ field?: unknown; to?: unknown }>) : [];
      for (const change of changes) IMPORTED_FIELDS[String(change.field)]?.(host, change.to);
    }),
  ],
  ['host.removed', (fleet, hostname) => void fleet.delete(hostname)],
  [
    'host.probed',
    onHost((host, details, at) => {
      host.runningKernel = text(details, 'runningKernel');
      host.defaultKernel = text(details, 'defaultKernel');
      host.nextBootKernel = text(details, 'nextBootKernel');
      host.netkitCapable = flag(details, 'netkitCapable');
      host.cniMode = text(details, 'cniMode') as Host['cniMode'];
      // Recorded since issue 14; a probe event written before it leaves these unknown.
      host.installedKernels = Array.isArray(details.installedKernels) ? details.installedKernels.map(String) : [];
      host.bootId = text(details, 'bootId');
      host.uptimeSeconds = typeof details.uptimeSeconds === 'number' ? details.uptimeSeconds : null;
      host.netkitDetail = text(details, 'netkitDetail');
      host.lastProbedAt = at;
    }),
  ],
  [
    'host.quarantined',
    onHost((host, details) => {
      const label = text(details, 'label');
      if (label !== null) host.labels = { ...host.labels, [label]: text(details, 'value') ?? '' };
    }),
  ],
  [
    'host.unquarantined',
    onHost((host, details) => {
      const label = text(details, 'label');
      if (label !== null) host.labels = Object.fromEntries(Object.entries(host.labels).filter(([key]) => key !== label));
    }),
  ],
]);

export const FLEET_CHANGING_ACTIONS: readonly string[] = [...FLEET_CHANGES.keys()];

/** Replays events (in id order) into the fleet they leave behind, hosts sorted by name as the table lists them. */
export function replayFleet(events: Iterable<Pick<AuditEvent, 'host' | 'action' | 'details' | 'at'>>): Host[] {
  const fleet = new Map<string, Host>();
  for (const event of events) {
    const change = FLEET_CHANGES.get(event.action);
    if (change && event.host !== null) change(fleet, event.host, (event.details ?? {}) as Details, event.at);
  }
  return [...fleet.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
}
