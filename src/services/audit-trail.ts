import type { Clock } from '../adapters/clock.js';
import { withStore } from '../adapters/store/store.js';
import type { EventPage } from '../adapters/store/event-repository.js';
import { verifyChain, type ChainVerification } from '../audit/chain.js';
import { parseTimeBound } from '../audit/time-bound.js';

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
  const now = request.clock.now();
  const since = request.since === undefined ? undefined : parseTimeBound(request.since, now, '--since');
  const until = request.until === undefined ? undefined : parseTimeBound(request.until, now, '--until');
  return withStore({ path: request.dbPath, create: false }, (store) => ({
    ...store.events.query({
      ...(request.host !== undefined ? { host: request.host } : {}),
      ...(request.action !== undefined ? { action: request.action } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      limit: request.limit,
    }),
    limit: request.limit,
  }));
}

/** Reads inside one transaction so a concurrent append cannot make a sound chain look broken. */
export function verifyAuditTrail(request: { dbPath: string }): ChainVerification {
  return withStore({ path: request.dbPath, create: false }, (store) =>
    store.db.transaction(() => verifyChain(store.events.iterateAll(), store.events.head()))(),
  );
}
