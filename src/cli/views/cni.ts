import { targetLabel } from '../../cni/verify/matrix.js';
import type { VerifyOutcome } from '../../cni/verify/run-verify.js';
import type { AclApplyResult, AclStatsResult } from '../../services/cni-acl.js';
import type { DebugDumpResult } from '../../services/debug-dump.js';
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
    host.error
      ? [{ hostname: host.hostname, rule: null, name: `error: ${host.error}`, action: null, match: null, packets: null, bytes: null }]
      : host.counters.map((counter) => ({
          hostname: host.hostname,
          rule: counter.ruleId,
          name: counter.name,
          action: counter.action,
          match: counter.match,
          packets: counter.packets,
          bytes: counter.bytes,
        })),
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

const CELL_MARK: Record<string, string> = { ok: 'ok', failed: 'FAIL', untestable: 'n/a' };

/** Per node: a FROM x TO grid with ICMP and TCP columns, then why cells failed or could not be tested. */
export function renderVerify(result: VerifyOutcome): string {
  const lines: string[] = [];
  for (const node of result.nodes) {
    lines.push(`${node.hostname}${node.simulated ? ' (simulated kernel)' : ''}: ${node.cells.length} cells, ${node.ok} ok, ${node.failed} failed, ${node.untestable} not testable`);
    const rows = new Map<string, { from: string; to: string; icmp: string; tcp: string }>();
    for (const cell of node.cells) {
      const to = targetLabel(cell.to, node.hostname);
      const key = `${cell.from} ${to}`;
      const row = rows.get(key) ?? { from: cell.from, to, icmp: '', tcp: '' };
      const mark = CELL_MARK[cell.status]! + (cell.status === 'ok' && cell.expected === 'drop' ? ' (dropped by ACL)' : '');
      row[cell.protocol] = mark;
      rows.set(key, row);
    }
    lines.push(
      renderTable(
        [...rows.values()],
        [
          { header: 'FROM', value: (row) => row.from },
          { header: 'TO', value: (row) => row.to },
          { header: 'ICMP', value: (row) => row.icmp },
          { header: 'TCP', value: (row) => row.tcp },
        ],
      ),
    );
    const reasons = new Map<string, number>();
    for (const cell of node.cells) if (cell.status !== 'ok') reasons.set(`${CELL_MARK[cell.status]}: ${cell.detail}`, (reasons.get(`${CELL_MARK[cell.status]}: ${cell.detail}`) ?? 0) + 1);
    for (const [reason, count] of reasons) lines.push(`  ${reason}${count > 1 ? ` (${count} cells)` : ''}`);
    for (const check of node.counters) lines.push(`  counter ${CELL_MARK[check.status]}: ${check.detail}`);
    lines.push('');
  }
  for (const leftover of result.leftovers) lines.push(`removed test pods an earlier run left on ${leftover.hostname}: ${leftover.removed.join(', ')}`);
  const counters = result.counters.ok + result.counters.failed + result.counters.untestable;
  const counterLine = counters > 0 ? `; ACL counters: ${result.counters.ok} ok, ${result.counters.failed} failed, ${result.counters.untestable} not comparable` : '';
  lines.push(`${result.ok} ok, ${result.failed} failed, ${result.untestable} not testable${counterLine} (run ${result.run}); a cell that was not tested never counts as ok`);
  return lines.join('\n');
}

export function renderDebugDump(result: DebugDumpResult): string {
  return renderTable(result.hosts, [
    { header: 'HOSTNAME', value: (host) => host.hostname },
    { header: 'ARCHIVE', value: (host) => host.path ?? `failed: ${host.error}` },
    { header: 'BYTES', value: (host) => host.bytes, align: 'right' },
    { header: 'SHA256', value: (host) => host.sha256?.slice(0, 16) },
  ]);
}
