/** What a command asks to record. The store adds id, time, actor and the chain hashes. */
export interface EventDraft {
  subject: string;
  host?: string | null;
  action: string;
  details: Record<string, unknown>;
}

export interface Actor {
  user: string;
  machine: string;
  reason: string | null;
}

/** One row of the audit trail, exactly as stored (details kept as the stored JSON text). */
export interface StoredEvent {
  id: number;
  at: string;
  actorUser: string;
  actorMachine: string;
  reason: string | null;
  subject: string;
  host: string | null;
  action: string;
  details: string;
  prevHash: string;
  hash: string;
}

/** An event as read back for people and exports: details parsed. */
export interface AuditEvent extends Omit<StoredEvent, 'details'> {
  details: unknown;
}
