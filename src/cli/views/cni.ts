import type { AclApplyResult, AclStatsResult } from '../../services/cni-acl.js';
import { renderTable } from '../render-table.js';

export function renderAclApply(result: AclApplyResult): string {
  const failed = result.hosts.filter((host) => host.status === 'failed').length;
  return [
    `rule set ${result.rulesFile} (${result.rules} rules, default ${result.defaultAction}, sha256 ${result.sha256.slice(0, 12)}): in force on ${result.hosts.length - failed} of ${result.hosts.length} nodes`,
    renderTable(result.hosts, [
      { header: 'HOSTNAME', value: (host) => host.hostname },
      { header: 'STATUS', value: (host) => host.status },
      { header: 'GENERATION', value: (host) => host.generation, align: 'right' },
      { header: 'ERROR', value: (host) => host.error },
    ]),
    ...(failed > 0 ? ['', 'Nodes that failed keep the rule set they had (a set is replaced all at once or not at all).'] : []),
  ].join('\n');
}

interface CounterRow {
  hostname: string;
  rule: number | null;
  name: string;
  action: string | null;
  match: string | null;
  packets: number | null;
  bytes: number | null;
}

export function renderAclStats(result: AclStatsResult): string {
  const rows = result.hosts.flatMap((host): CounterRow[] =>
    host.error ? [{ hostname: host.hostname, rule: null, name: `error: ${host.error}`, action: null, match: null, packets: null, bytes: null }] : host.counters.map((counter) => ({ hostname: host.hostname, rule: counter.ruleId, name: counter.name, action: counter.action, match: counter.match, packets: counter.packets, bytes: counter.bytes })),
  );
  return renderTable(rows, [
    { header: 'HOSTNAME', value: (row) => row.hostname },
    { header: 'RULE', value: (row) => row.rule, align: 'right' },
    { header: 'NAME', value: (row) => row.name },
    { header: 'ACTION', value: (row) => row.action },
    { header: 'MATCH', value: (row) => row.match },
    { header: 'PACKETS', value: (row) => row.packets, align: 'right' },
    { header: 'BYTES', value: (row) => row.bytes, align: 'right' },
  ]);
}
