import type { ChainVerification } from '../audit/chain.js';
import type { Host } from '../fleet/host.js';
import { summarizeFleet, type FleetSummary } from '../fleet/summary.js';

/** The fleet's kernel x CNI composition, overall, by cluster and by zone, for a change record. Pure. */
export interface FleetReport {
  generatedAt: string;
  /** Null: the live fleet; otherwise rebuilt from the audit trail before this time. */
  at: string | null;
  where: string | null;
  overall: FleetSummary;
  byCluster: FleetSummary;
  byZone: FleetSummary;
  audit: Pick<ChainVerification, 'ok' | 'eventsChecked' | 'problems' | 'head'>;
}

export function buildFleetReport(input: { generatedAt: string; at: string | null; where: string | null; hosts: readonly Host[]; audit: ChainVerification }): FleetReport {
  const { ok, eventsChecked, problems, head } = input.audit;
  return {
    generatedAt: input.generatedAt,
    at: input.at,
    where: input.where,
    overall: summarizeFleet(input.hosts, null),
    byCluster: summarizeFleet(input.hosts, 'cluster'),
    byZone: summarizeFleet(input.hosts, 'zone'),
    audit: { ok, eventsChecked, problems, head },
  };
}
