import type { EventPage } from '../../adapters/store/event-repository.js';
import type { ChainVerification } from '../../audit/chain.js';
import type { AuditEvent } from '../../audit/event.js';
import { renderTable } from '../render-table.js';

function summarizeDetails(details: unknown): string {
  const text = JSON.stringify(details);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

export function renderEvents(events: AuditEvent[]): string {
  return renderTable(events, [
    { header: 'ID', value: (event) => event.id, align: 'right' },
    { header: 'AT', value: (event) => event.at },
    { header: 'ACTOR', value: (event) => `${event.actorUser}@${event.actorMachine}` },
    { header: 'SUBJECT', value: (event) => event.subject },
    { header: 'ACTION', value: (event) => event.action },
    { header: 'REASON', value: (event) => event.reason },
    { header: 'DETAILS', value: (event) => summarizeDetails(event.details) },
  ]);
}

export function renderAuditLog(page: EventPage & { limit: number }): string {
  if (page.events.length === 0) return 'No events match.';
  const shown = page.events.length < page.totalMatching ? `\nshowing the newest ${page.events.length} of ${page.totalMatching} events; --limit 0 shows all` : '';
  return `${renderEvents(page.events)}${shown}`;
}

export function renderVerification(result: ChainVerification): string {
  return `audit trail intact: ${result.eventsChecked} events, head ${result.head.lastId} ${result.head.lastHash.slice(0, 16)}…`;
}
