import type { WrittenFile } from '../../services/reports.js';
import type { FleetReport } from '../../reports/fleet-report.js';
import type { RolloutReport } from '../../reports/rollout-report.js';

function written(file: WrittenFile | null): string {
  return file === null ? 'No file written (--html FILE writes the page; --json prints the report).' : `wrote ${file.file} (${file.bytes} bytes, sha256 ${file.sha256})`;
}

function audit(ok: boolean, checked: number): string {
  return ok ? `audit verify: intact (${checked} events)` : `audit verify: BROKEN (${checked} events checked; see the report)`;
}

export function renderRolloutReport({ written: file, report }: { written: WrittenFile | null; report: RolloutReport }): string {
  const counts = Object.entries(report.hostsByStatus)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  return [
    written(file),
    `rollout ${report.rollout.name} (${report.rollout.kind} -> ${report.rollout.target}): ${report.rollout.status}; ${counts || 'no hosts'}`,
    `${report.lifecycle.length} lifecycle events, ${report.batches.length} batches, ${report.healthReads.length} health reads`,
    audit(report.audit.ok, report.audit.eventsChecked),
  ].join('\n');
}

export function renderFleetReport({ written: file, report }: { written: WrittenFile | null; report: FleetReport }): string {
  return [
    written(file),
    `${report.overall.total} hosts${report.at === null ? '' : ` before ${report.at}`}, ${report.byCluster.groups.length} clusters, ${report.byZone.groups.length} zones`,
    audit(report.audit.ok, report.audit.eventsChecked),
  ].join('\n');
}
