import type { Host } from '../../fleet/host.js';
import type { FleetSummary } from '../../fleet/summary.js';
import type { ImportResult } from '../../services/import-inventory.js';
import type { HostDetail, HostHistory } from '../../services/fleet-queries.js';
import { renderTable } from '../render-table.js';
import { renderEvents } from './audit.js';

function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => (value === 'true' ? key : `${key}=${value}`))
    .join(',');
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  if (typeof value === 'object') return formatLabels(value as Record<string, string>) || '(none)';
  return String(value);
}

export function renderImport(result: ImportResult): string {
  const verb = result.dryRun ? 'would be' : '';
  const lines = [
    `${result.file} (${result.format}, ${result.hostsInFile} hosts)${result.dryRun ? ' — dry run, nothing written' : ''}`,
    ...result.added.slice(0, 50).map((hostname) => `  + ${hostname}`),
    ...result.changed
      .slice(0, 50)
      .flatMap(({ hostname, changes }) => [`  ~ ${hostname}`, ...changes.map((change) => `      ${change.field}: ${formatValue(change.from)} -> ${formatValue(change.to)}`)]),
    ...result.removed.slice(0, 50).map((hostname) => `  - ${hostname}`),
  ];
  for (const { hostname, labels } of result.kept.slice(0, 50)) {
    lines.push(`  = ${hostname}: keeps ${formatLabels(labels)} (fleetwave's own label; an import never clears it: fleetwave fleet unquarantine)`);
  }
  const hidden = Math.max(0, result.added.length - 50) + Math.max(0, result.changed.length - 50) + Math.max(0, result.removed.length - 50);
  if (hidden > 0) lines.push(`  ... ${hidden} more (use --json for the full list)`);
  lines.push(`${result.added.length} ${verb} added, ${result.changed.length} ${verb} changed, ${result.removed.length} ${verb} removed, ${result.unchanged} unchanged`.replace(/ {2}/g, ' '));
  return lines.join('\n');
}

/** The line that says a view is the past, rebuilt from the audit trail, not the live fleet. */
function asOf(at: string | null): string {
  return at === null ? '' : `The fleet as the audit trail records it before ${at}.\n`;
}

export function renderHostList({ at, hosts }: { at: string | null; hosts: Host[] }): string {
  if (hosts.length === 0) return `${asOf(at)}No hosts match.`;
  return `${asOf(at)}${hostTable(hosts)}`;
}

function hostTable(hosts: Host[]): string {
  return `${renderTable(hosts, [
    { header: 'HOSTNAME', value: (host) => host.hostname },
    { header: 'ADDRESS', value: (host) => (host.port ? `${host.address}:${host.port}` : host.address) },
    { header: 'CLUSTER', value: (host) => host.cluster },
    { header: 'ZONE', value: (host) => host.zone },
    { header: 'RACK', value: (host) => host.rack },
    { header: 'KERNEL', value: (host) => host.runningKernel },
    { header: 'CNI', value: (host) => host.cniMode },
    { header: 'NETKIT', value: (host) => (host.netkitCapable === null ? null : host.netkitCapable ? 'yes' : 'no') },
    { header: 'LABELS', value: (host) => formatLabels(host.labels) },
  ])}\n${hosts.length} host${hosts.length === 1 ? '' : 's'}`;
}

export function renderHostDetail(detail: HostDetail): string {
  const { host } = detail;
  const rows: [string, unknown][] = [
    ['hostname', host.hostname],
    ['address', host.address],
    ['port', host.port ?? '(ssh config / 22)'],
    ['user', host.user ?? '(ssh config / local user)'],
    ['cluster', host.cluster],
    ['zone', host.zone],
    ['rack', host.rack],
    ['labels', host.labels],
    ['running kernel', host.runningKernel],
    ['default kernel', host.defaultKernel],
    ['boot id', host.bootId],
    ['netkit capable', host.netkitCapable],
    ['cni mode', host.cniMode],
    ['last probed', host.lastProbedAt ?? 'never'],
    ['added', host.createdAt],
    ['updated', host.updatedAt],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, value]) => `${name.padEnd(width)}  ${formatValue(value)}`);
  if (detail.at !== null) lines.unshift(asOf(detail.at).trimEnd());
  lines.push('', detail.recentEvents.length > 0 ? `Recent events:\n${renderEvents(detail.recentEvents)}` : 'No events for this host.');
  return lines.join('\n');
}

export function renderSummary(summary: FleetSummary & { at: string | null }): string {
  if (summary.total === 0) return `${asOf(summary.at)}No hosts match.`;
  const sections = summary.groups.map((group) => {
    const table = renderTable(group.kernels, [
      { header: 'KERNEL', value: (row) => row.kernel },
      ...summary.cniModes.map((mode) => ({ header: mode.toUpperCase(), value: (row: (typeof group.kernels)[number]) => row.cni[mode] ?? 0, align: 'right' as const })),
      { header: 'TOTAL', value: (row) => row.total, align: 'right' },
    ]);
    const title = summary.groupBy ? `${summary.groupBy} ${group.key ?? '(none)'}: ${group.total} hosts\n` : '';
    return `${title}${table}`;
  });
  return `${asOf(summary.at)}${sections.join('\n\n')}\n\n${summary.total} hosts in total`;
}

export function renderHostHistory(history: HostHistory): string {
  if (history.entries.length === 0) return `No events about ${history.hostname} in that window.`;
  const table = renderTable(history.entries, [
    { header: 'AT', value: (entry) => entry.at },
    { header: 'ACTOR', value: (entry) => entry.actor },
    { header: 'ROLLOUT', value: (entry) => entry.rollout },
    { header: 'WHAT HAPPENED', value: (entry) => entry.summary },
    { header: 'REASON', value: (entry) => entry.reason },
  ]);
  const shown = history.entries.length < history.totalMatching ? `\nshowing the newest ${history.entries.length} of ${history.totalMatching} entries; --limit 0 shows all` : '';
  return `${history.hostname}\n${table}${shown}`;
}
