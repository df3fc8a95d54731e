import type { FailureDomain, Host } from './host.js';

export const UNPROBED = '(not probed)';

export interface KernelRow {
  kernel: string;
  /** Count per CNI mode; hosts whose mode is unknown are under "unknown". */
  cni: Record<string, number>;
  total: number;
}

export interface SummaryGroup {
  /** The failure-domain value for this group, null for hosts without one, or "all". */
  key: string | null;
  total: number;
  kernels: KernelRow[];
}

export interface FleetSummary {
  groupBy: FailureDomain | null;
  total: number;
  cniModes: string[];
  groups: SummaryGroup[];
}

const CNI_ORDER = ['veth', 'netkit', 'unknown'];

/** Host counts by running kernel x CNI mode, optionally one table per cluster/zone/rack. */
export function summarizeFleet(hosts: readonly Host[], groupBy: FailureDomain | null): FleetSummary {
  const groups = new Map<string | null, Map<string, KernelRow>>();
  const modes = new Set<string>();
  for (const host of hosts) {
    const key = groupBy ? host[groupBy] : 'all';
    const kernel = host.runningKernel ?? UNPROBED;
    const mode = host.cniMode ?? 'unknown';
    modes.add(mode);
    let rows = groups.get(key);
    if (!rows) groups.set(key, (rows = new Map()));
    let row = rows.get(kernel);
    if (!row) rows.set(kernel, (row = { kernel, cni: {}, total: 0 }));
    row.cni[mode] = (row.cni[mode] ?? 0) + 1;
    row.total += 1;
  }
  const compareKeys = (a: string | null, b: string | null) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b, 'en', { numeric: true }));
  return {
    groupBy,
    total: hosts.length,
    cniModes: [...modes].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)),
    groups: [...groups.entries()]
      .sort(([a], [b]) => compareKeys(a, b))
      .map(([key, rows]) => {
        const kernels = [...rows.values()].sort((a, b) => compareKeys(a.kernel === UNPROBED ? null : a.kernel, b.kernel === UNPROBED ? null : b.kernel));
        return { key, total: kernels.reduce((sum, row) => sum + row.total, 0), kernels };
      }),
  };
}

function rank(mode: string): number {
  const index = CNI_ORDER.indexOf(mode);
  return index === -1 ? CNI_ORDER.length : index;
}
