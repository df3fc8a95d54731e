import type { FleetSummary } from '../fleet/summary.js';
import { html, page, table, type Html } from './html.js';
import type { FleetReport } from './fleet-report.js';
import type { ReportHost, RolloutReport } from './rollout-report.js';
import { stackedBars, stripChart, timelineChart, type StripSeries } from './svg.js';

/** The HTML of the two reports: pure functions from a report model to a self-contained page. */

const GOOD_STATUSES = new Set(['completed', 'succeeded']);

function verdict(ok: boolean, text: string): Html {
  return html`<span class="verdict ${ok ? 'ok' : 'bad'}">${text}</span>`;
}

function auditSection(audit: { ok: boolean; eventsChecked: number; problems: Array<{ eventId: number; problem: string }>; head: { lastId: number; lastHash: string } }, drawnOn: Html): Html {
  return html`<h2>Audit trail</h2>
<p id="audit-verdict">${verdict(audit.ok, audit.ok ? 'audit verify: intact' : 'audit verify: BROKEN')} ${audit.eventsChecked} events checked; head <code>${audit.head.lastId}:${audit.head.lastHash}</code> (keep it as an anchor: <code>fleetwave audit verify --anchor ${audit.head.lastId}:${audit.head.lastHash}</code>).</p>
${drawnOn}
${
  audit.problems.length > 0
    ? table(
        audit.problems,
        [
          { header: 'event', value: (problem) => problem.eventId, numeric: true },
          { header: 'problem', value: (problem) => problem.problem },
        ],
        { id: 'audit-problems' },
      )
    : ''
}`;
}

/** Hosts per running kernel, split by CNI mode, as bars and as the table behind them. */
function composition(summary: FleetSummary, title: string, chart: string): Html {
  const rows = summary.groups.flatMap((group) => group.kernels.map((row) => ({ label: summary.groupBy ? `${group.key ?? '(none)'} · ${row.kernel}` : row.kernel, parts: row.cni })));
  return html`<h3>${title}: ${summary.total} hosts</h3>${stackedBars(rows, summary.cniModes, `${title}: hosts per kernel, by CNI mode`, chart)}${table(
    rows,
    [
      { header: summary.groupBy ? `${summary.groupBy} · kernel` : 'kernel', value: (row) => row.label },
      ...summary.cniModes.map((mode) => ({ header: mode, value: (row: (typeof rows)[number]) => row.parts[mode] ?? 0, numeric: true })),
    ],
    { id: `${chart}-table` },
  )}`;
}

function stepsCell(host: ReportHost): Html {
  if (host.steps.length === 0) return html`<span class="muted">none</span>`;
  const total = host.steps.reduce((sum, step) => sum + (step.durationMs ?? 0), 0);
  return html`<details><summary>${host.steps.length} steps, ${total} ms</summary><ol>${host.steps.map(
    (step) =>
      html`<li><span class="${step.outcome === 'failed' ? 'bad' : step.outcome === 'ok' ? 'ok' : 'muted'}">${step.outcome}</span> ${step.section} ${step.index} “${step.name}”${step.durationMs === null ? '' : ` ${step.durationMs} ms`}${step.outcome === 'failed' && step.detail ? html`: <span class="mono">${step.detail}</span>` : ''}</li>`,
  )}</ol></details>`;
}

const statusClass = (status: string) => (status === 'succeeded' ? 'ok' : status === 'skipped' || status === 'pending' ? 'muted' : 'bad');

export function rolloutReportHtml(report: RolloutReport): string {
  const { rollout } = report;
  const gateSeries: StripSeries[] = [
    {
      label: 'host checks',
      points: report.healthReads.map((read) => ({ at: read.at, healthy: read.unhealthyHosts === 0, title: `wave ${read.wave}: ${read.hostsChecked} hosts checked, ${read.unhealthyHosts} unhealthy` })),
    },
    ...[...new Set(report.healthReads.flatMap((read) => read.gates.map((gate) => gate.gate)))].map((gate) => ({
      label: `gate ${gate}`,
      points: report.healthReads.flatMap((read) =>
        read.gates.filter((reading) => reading.gate === gate).map((reading) => ({ at: read.at, healthy: reading.healthy, title: `wave ${read.wave}: ${reading.detail}` })),
      ),
    })),
  ];
  const body = html`<h1>Rollout ${rollout.name}</h1>
<p class="meta">${rollout.kind} rollout to <code>${rollout.target}</code> · status ${verdict(GOOD_STATUSES.has(rollout.status), rollout.status)} · planned ${rollout.createdAt} · last change ${rollout.updatedAt} · report generated ${report.generatedAt} by fleetwave</p>
<p id="host-counts">${Object.entries(report.hostsByStatus).map(([status, count]) => html`<span class="${statusClass(status)}">${count} ${status}</span> `)}</p>

<h2>Spec and hashes</h2>
${table(
  [
    { what: 'spec', path: '', sha256: rollout.specSha256 },
    { what: 'playbook', path: rollout.playbookPath ?? '', sha256: rollout.playbookSha256 ?? '(not recorded)' },
    ...Object.entries(rollout.artifacts ?? {}).map(([file, sha256]) => ({ what: 'artifact', path: file, sha256 })),
  ],
  [
    { header: 'what', value: (row) => row.what },
    { header: 'path', value: (row) => row.path },
    { header: 'sha256', value: (row) => html`<code>${row.sha256}</code>` },
  ],
  { id: 'hashes' },
)}
<details><summary>The spec as planned</summary><pre id="spec">${JSON.stringify(rollout.spec, null, 2)}</pre></details>

<h2>Who did what</h2>
${table(
  report.lifecycle,
  [
    { header: 'at (UTC)', value: (entry) => entry.at },
    { header: 'actor', value: (entry) => entry.actor },
    { header: 'what happened', value: (entry) => entry.summary },
    { header: 'reason', value: (entry) => entry.reason ?? '' },
  ],
  { id: 'lifecycle' },
)}

<h2>Waves and batches</h2>
${timelineChart(
  report.batches
    .filter((batch) => batch.start !== null && batch.end !== null)
    .map((batch) => ({
      label: `wave ${batch.wave} batch ${batch.batch} (${batch.hosts})`,
      start: batch.start!,
      end: batch.end!,
      outcomes: batch.outcomes,
      title: `wave ${batch.wave}, batch ${batch.batch}`,
    })),
  'Each batch from its first dispatch to its last host done, split by outcome',
)}
${table(
  report.batches,
  [
    { header: 'wave', value: (batch) => batch.wave, numeric: true },
    { header: 'batch', value: (batch) => batch.batch, numeric: true },
    { header: 'hosts', value: (batch) => batch.hosts, numeric: true },
    { header: 'started', value: (batch) => batch.start ?? 'not started' },
    { header: 'done', value: (batch) => batch.end ?? '' },
    {
      header: 'outcomes',
      value: (batch) =>
        Object.entries(batch.outcomes)
          .map(([status, count]) => `${count} ${status}`)
          .join(', '),
    },
  ],
  { id: 'batches' },
)}

<h2>Health gates over the soak</h2>
${stripChart(gateSeries, 'Each health read: host checks and every gate')}
${table(
  report.healthReads,
  [
    { header: 'at (UTC)', value: (read) => read.at },
    { header: 'wave', value: (read) => read.wave, numeric: true },
    { header: 'verdict', value: (read) => (read.healthy ? 'healthy' : 'UNHEALTHY'), className: (read) => (read.healthy ? 'ok' : 'bad') },
    { header: 'hosts checked', value: (read) => read.hostsChecked, numeric: true },
    { header: 'unhealthy', value: (read) => read.unhealthyHosts, numeric: true },
    { header: 'gates', value: (read) => read.gates.map((gate) => `${gate.gate}: ${gate.healthy ? 'ok' : 'FAILED'} (${gate.detail})`).join('; ') },
  ],
  { id: 'health-reads' },
)}

<h2>The fleet before and after</h2>
${composition(report.composition.before.summary, `Before (${report.composition.before.at})`, 'composition-before')}
${composition(report.composition.after.summary, `After (${report.composition.after.at})`, 'composition-after')}

<h2>Every host</h2>
${table(
  report.hosts,
  [
    { header: 'host', value: (host) => host.hostname },
    { header: 'wave', value: (host) => host.wave, numeric: true },
    { header: 'batch', value: (host) => host.batch, numeric: true },
    { header: 'outcome', value: (host) => host.status, className: (host) => statusClass(host.status) },
    { header: 'reason', value: (host) => host.reason ?? '' },
    { header: 'dispatched', value: (host) => host.dispatchedAt ?? '' },
    { header: 'done', value: (host) => host.finishedAt ?? '' },
    { header: 'steps', value: stepsCell },
  ],
  { id: 'hosts' },
)}
${auditSection(report.audit, html`<p>This report draws on ${report.audit.eventsDrawnOn} events of the rollout${report.audit.firstEventId === null ? '' : html`, ids ${report.audit.firstEventId} to ${report.audit.lastEventId}`}, and on the host events replayed for the fleet before and after.</p>`)}`;
  return page(`Rollout ${rollout.name}: ${rollout.status}`, body);
}

export function fleetReportHtml(report: FleetReport): string {
  const body = html`<h1>Fleet composition</h1>
<p class="meta">${report.at === null ? 'The live fleet' : `The fleet as the audit trail records it before ${report.at}`}${report.where ? html` · hosts matching <code>${report.where}</code>` : ''} · report generated ${report.generatedAt} by fleetwave</p>
<p id="fleet-total">${report.overall.total} hosts</p>
<h2>All hosts</h2>
${composition(report.overall, 'All hosts', 'composition-all')}
<h2>By cluster</h2>
${composition(report.byCluster, 'By cluster', 'composition-cluster')}
<h2>By zone</h2>
${composition(report.byZone, 'By zone', 'composition-zone')}
${auditSection(report.audit, html`<p>${report.at === null ? 'The live tables, which every host event in this trail describes.' : 'Rebuilt by replaying the host events of this trail up to that time.'}</p>`)}`;
  return page('Fleet composition', body);
}
