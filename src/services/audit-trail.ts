import type { Clock } from '../adapters/clock.js';
import { withStore, type Store } from '../adapters/store/store.js';
import type { EventPage } from '../adapters/store/event-repository.js';
import { formatAnchor, parseAnchor, verifyChain, type ChainAnchor, type ChainVerification } from '../audit/chain.js';
import { FleetwaveError } from '../errors.js';
import { parseTimeWindow } from '../audit/time-bound.js';

export interface AuditLogRequest {
  dbPath: string;
  host?: string;
  action?: string;
  since?: string;
  until?: string;
  limit: number;
  clock: Clock;
}

export function readAuditLog(request: AuditLogRequest): EventPage & { limit: number } {
  const window = parseTimeWindow(request, request.clock.now());
  return withStore({ path: request.dbPath, create: false }, (store) => ({
    ...store.events.query({
      ...(request.host !== undefined ? { host: request.host } : {}),
      ...(request.action !== undefined ? { action: request.action } : {}),
      ...window,
      limit: request.limit,
    }),
    limit: request.limit,
  }));
}

/** Reads inside one transaction so a concurrent append cannot make a sound chain look broken. */
export function verifyAuditTrail(request: { dbPath: string; anchor?: string }): ChainVerification {
  const anchor = request.anchor === undefined ? null : parseAnchor(request.anchor);
  if (request.anchor !== undefined && anchor === null) {
    throw new FleetwaveError('USAGE', `--anchor ${request.anchor} is not an anchor: expected EVENT_ID:SHA256 (as \`audit anchor\` prints it) or the SHA256 alone`);
  }
  return withStore({ path: request.dbPath, create: false }, (store) => verifyStoredTrail(store, anchor));
}

/** The whole chain, read in one transaction so a concurrent append cannot make a sound chain look broken. */
export function verifyStoredTrail(store: Store, anchor: ChainAnchor | null = null): ChainVerification {
  return store.db.transaction(() => verifyChain(store.events.iterateAll(), store.events.head(), anchor))();
}

export interface AuditAnchor {
  anchor: string;
  eventId: number;
  hash: string;
  events: number;
  at: string;
}

/** The chain's head as a string to keep elsewhere (a ticket, another system): `audit verify --anchor` checks the trail still reaches it. */
export function auditAnchor(request: { dbPath: string; clock: Clock }): AuditAnchor {
  return withStore({ path: request.dbPath, create: false }, (store) => {
    const head = store.events.head();
    return { anchor: formatAnchor(head), eventId: head.lastId, hash: head.lastHash, events: head.lastId, at: request.clock.now().toISOString() };
  });
}
