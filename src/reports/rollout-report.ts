import type { RolloutDefinition, RolloutHost, StoredRollout } from '../adapters/store/rollout-repository.js';
import type { ChainVerification } from '../audit/chain.js';
import type { AuditEvent } from '../audit/event.js';
import { eventTimeline, type TimelineEntry } from '../audit/event-timeline.js';
import type { FleetSummary } from '../fleet/summary.js';
import type { GateReading } from '../rollout/gates.js';
import { reasonOf, WORKING_STATUSES, type HostState } from '../rollout/host-machine.js';

/**
 * A rollout's record for a change ticket, built from the database and its audit trail. Pure: the
 * service reads, this decides what the record says, and html renders it.
 */

export interface CompositionAt {
  /** The fleet as the audit trail records it before this time. */
  at: string;
  summary: FleetSummary;
}

export interface RolloutReportInput {
  generatedAt: string;
  rollout: StoredRollout;
  definition: RolloutDefinition;
  hosts: readonly Pick<RolloutHost, 'hostname' | 'wave' | 'batch' | 'position' | 'state'>[];
  /** Every event whose subject is the rollout, in id order. */
  events: readonly AuditEvent[];
  composition: { before: CompositionAt; after: CompositionAt };
  audit: ChainVerification;
}

export interface ReportStep {
  section: string;
  index: number;
  name: string;
  outcome: string;
  durationMs: number | null;
  at: string;
  detail: string | null;
}

export interface ReportHost {
  hostname: string;
  wave: number;
  batch: number;
  status: HostState['status'];
  reason: string | null;
  dispatchedAt: string | null;
  /** When the host last changed state in this rollout, once it is done with it. */
  finishedAt: string | null;
  steps: ReportStep[];
}

export interface ReportBatch {
  wave: number;
  batch: number;
  hosts: number;
  start: string | null;
  end: string | null;
  outcomes: Record<string, number>;
}

export interface HealthRead {
  at: string;
  wave: number;
  final: boolean;
  healthy: boolean;
  hostsChecked: number;
  unhealthyHosts: number;
  gates: GateReading[];
}

export interface RolloutReport {
  generatedAt: string;
  rollout: Omit<StoredRollout, 'hosts' | 'rollbackWave' | 'soakStartedAt'> & {
    spec: RolloutDefinition['spec'];
    playbookPath: string | null;
    playbookSha256: string | null;
    artifacts: Record<string, string> | null;
  };
  /** The rollout's own events: planned, runner started, paused, resumed, aborted, ..., with actor and reason. */
  lifecycle: TimelineEntry[];
  hostsByStatus: Record<string, number>;
  batches: ReportBatch[];
  hosts: ReportHost[];
  healthReads: HealthRead[];
  composition: { before: CompositionAt; after: CompositionAt };
  audit: {
    ok: boolean;
    eventsChecked: number;
    problems: ChainVerification['problems'];
    head: ChainVerification['head'];
    /** The events this report draws on: the rollout's own, ids from first to last. */
    eventsDrawnOn: number;
    firstEventId: number | null;
    lastEventId: number | null;
  };
}

const STEP_SECTIONS = new Map([
  ['rollout.host.step', 'step'],
  ['rollout.host.check', 'check'],
  ['rollout.host.rollback', 'rollback'],
  ['rollout.host.cleanup', 'cleanup'],
]);

/** A host's part in a rollout has ended once it was dispatched and is no longer working (host-machine's WORKING_STATUSES). */
const settled = (status: HostState['status']) => status !== 'pending' && !WORKING_STATUSES.has(status);

/** Health reads and the runner noticing a change are shown where they belong, not in the lifecycle. */
const NOT_LIFECYCLE = new Set(['rollout.health-read', 'rollout.runner-observed']);

type Details = Record<string, unknown>;

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

export function buildRolloutReport(input: RolloutReportInput): RolloutReport {
  const byHost = new Map<string, ReportHost>();
  for (const host of input.hosts) {
    byHost.set(host.hostname, {
      hostname: host.hostname,
      wave: host.wave,
      batch: host.batch,
      status: host.state.status,
      reason: reasonOf(host.state),
      dispatchedAt: null,
      finishedAt: null,
      steps: [],
    });
  }
  const healthReads: HealthRead[] = [];
  const lifecycle: AuditEvent[] = [];
  for (const event of input.events) {
    const details = (event.details ?? {}) as Details;
    if (event.host === null) {
      if (event.action === 'rollout.health-read') {
        healthReads.push({
          at: event.at,
          wave: num(details.wave) ?? 0,
          final: details.final === true,
          healthy: details.healthy === true,
          hostsChecked: num(details.hostsChecked) ?? 0,
          unhealthyHosts: num(details.unhealthyHosts) ?? 0,
          gates: Array.isArray(details.gates) ? (details.gates as GateReading[]) : [],
        });
      } else if (!NOT_LIFECYCLE.has(event.action)) {
        lifecycle.push(event);
      }
      continue;
    }
    const host = byHost.get(event.host);
    if (!host) continue;
    const section = STEP_SECTIONS.get(event.action);
    if (section) {
      host.steps.push({
        section,
        index: num(details.index) ?? 0,
        name: String(details.name ?? ''),
        outcome: String(details.outcome ?? ''),
        durationMs: num(details.durationMs),
        at: event.at,
        detail: typeof details.detail === 'string' ? details.detail : null,
      });
    } else if (event.action === 'rollout.host.dispatched') {
      host.dispatchedAt ??= event.at;
    }
    if (settled(host.status)) host.finishedAt = event.at;
  }
  const hosts = [...byHost.values()];
  return {
    generatedAt: input.generatedAt,
    rollout: {
      name: input.rollout.name,
      kind: input.rollout.kind,
      target: input.rollout.target,
      status: input.rollout.status,
      wave: input.rollout.wave,
      reason: input.rollout.reason,
      specSha256: input.rollout.specSha256,
      createdAt: input.rollout.createdAt,
      updatedAt: input.rollout.updatedAt,
      spec: input.definition.spec,
      playbookPath: input.definition.playbookPath,
      playbookSha256: input.definition.playbookSha256,
      artifacts: input.definition.artifacts,
    },
    lifecycle: eventTimeline(lifecycle),
    hostsByStatus: countBy(hosts, (host) => host.status),
    batches: batchesOf(hosts),
    hosts,
    healthReads,
    composition: input.composition,
    audit: {
      ok: input.audit.ok,
      eventsChecked: input.audit.eventsChecked,
      problems: input.audit.problems,
      head: input.audit.head,
      eventsDrawnOn: input.events.length,
      firstEventId: input.events[0]?.id ?? null,
      lastEventId: input.events.at(-1)?.id ?? null,
    },
  };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** Each batch's span: its first dispatch to its last host settling (its last step while some still run). */
function batchesOf(hosts: readonly ReportHost[]): ReportBatch[] {
  const batches = new Map<string, ReportBatch>();
  for (const host of hosts) {
    const key = `${host.wave}:${host.batch}`;
    let batch = batches.get(key);
    if (!batch) batches.set(key, (batch = { wave: host.wave, batch: host.batch, hosts: 0, start: null, end: null, outcomes: {} }));
    batch.hosts += 1;
    batch.outcomes[host.status] = (batch.outcomes[host.status] ?? 0) + 1;
    if (host.dispatchedAt !== null && (batch.start === null || host.dispatchedAt < batch.start)) batch.start = host.dispatchedAt;
    const end = host.finishedAt ?? host.steps.at(-1)?.at ?? null;
    if (end !== null && (batch.end === null || end > batch.end)) batch.end = end;
  }
  return [...batches.values()].sort((a, b) => a.wave - b.wave || a.batch - b.batch);
}
