import type { Host, InventoryFields, InventoryHost } from './host.js';

export interface FieldChange {
  field: keyof InventoryFields | 'runningKernel';
  from: unknown;
  to: unknown;
}

/** What an import will write: the host as it will be stored, plus the reason for each change. */
export interface HostUpsert {
  fields: InventoryFields;
  /** Set only when the file observed it (kubectl); otherwise probes own the running kernel. */
  runningKernel?: string;
}

export interface ImportPlan {
  added: HostUpsert[];
  changed: { upsert: HostUpsert; changes: FieldChange[] }[];
  removed: string[];
  unchanged: number;
  /** Incoming hosts whose names differ from a host already in the fleet only in case: refused. */
  caseConflicts: { incoming: string; existing: string }[];
  /** Labels fleetwave owns (fleetwave/...) that the file leaves out: they stay, an import never clears them. */
  kept: { hostname: string; labels: Record<string, string> }[];
}

/** Labels under this prefix are fleetwave's own (fleetwave/quarantine): set and cleared by fleetwave, not by inventories. */
export const OWNED_LABEL_PREFIX = 'fleetwave/';

const COMPARED_FIELDS = ['address', 'port', 'user', 'cluster', 'zone', 'rack'] as const;

function toUpsert(host: InventoryHost): HostUpsert {
  return {
    fields: {
      hostname: host.hostname,
      address: host.address ?? host.hostname,
      port: host.port ?? null,
      user: host.user ?? null,
      cluster: host.cluster ?? null,
      zone: host.zone ?? null,
      rack: host.rack ?? null,
      labels: sortedLabels(host.labels ?? {}),
    },
    ...(host.kernel !== undefined ? { runningKernel: host.kernel } : {}),
  };
}

function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const aKeys = Object.keys(a);
  return aKeys.length === Object.keys(b).length && aKeys.every((key) => b[key] === a[key]);
}

/**
 * The file is the source of truth for inventory fields: a field the file leaves out is cleared.
 * With `prune`, hosts the file does not mention are removed; without it they are left alone.
 */
export function planImport(existing: readonly Host[], incoming: readonly InventoryHost[], options: { prune: boolean }): ImportPlan {
  const byHostname = new Map(existing.map((host) => [host.hostname, host]));
  const plan: ImportPlan = { added: [], changed: [], removed: [], unchanged: 0, kept: [], caseConflicts: [] };
  const byLowercase = new Map(existing.map((host) => [host.hostname.toLowerCase(), host.hostname]));
  const seen = new Set<string>();
  for (const host of incoming) {
    let upsert = toUpsert(host);
    seen.add(host.hostname);
    const current = byHostname.get(host.hostname);
    if (!current) {
      const spelledOtherwise = byLowercase.get(host.hostname.toLowerCase());
      if (spelledOtherwise !== undefined) plan.caseConflicts.push({ incoming: host.hostname, existing: spelledOtherwise });
      else plan.added.push(upsert);
      continue;
    }
    const owned = Object.entries(current.labels).filter(([key]) => key.startsWith(OWNED_LABEL_PREFIX) && !(key in upsert.fields.labels));
    if (owned.length > 0) {
      upsert = { ...upsert, fields: { ...upsert.fields, labels: sortedLabels({ ...upsert.fields.labels, ...Object.fromEntries(owned) }) } };
      plan.kept.push({ hostname: host.hostname, labels: Object.fromEntries(owned) });
    }
    const changes: FieldChange[] = [];
    for (const field of COMPARED_FIELDS) {
      if (current[field] !== upsert.fields[field]) changes.push({ field, from: current[field], to: upsert.fields[field] });
    }
    if (!sameLabels(current.labels, upsert.fields.labels)) changes.push({ field: 'labels', from: current.labels, to: upsert.fields.labels });
    if (upsert.runningKernel !== undefined && upsert.runningKernel !== current.runningKernel) {
      changes.push({ field: 'runningKernel', from: current.runningKernel, to: upsert.runningKernel });
    }
    if (changes.length > 0) plan.changed.push({ upsert, changes });
    else plan.unchanged += 1;
  }
  const seenLowercase = new Set([...seen].map((hostname) => hostname.toLowerCase()));
  if (options.prune) plan.removed = existing.filter((host) => !seenLowercase.has(host.hostname.toLowerCase())).map((host) => host.hostname);
  return plan;
}
