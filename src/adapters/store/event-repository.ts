import type { Database, Statement } from 'better-sqlite3';
import { chainEvents, type ChainHead } from '../../audit/chain.js';
import type { Actor, AuditEvent, EventDraft, StoredEvent } from '../../audit/event.js';
import { BugError } from '../../errors.js';

export interface EventQuery {
  host?: string;
  /** Exact subject, e.g. `rollout:kernel-515`. */
  subject?: string;
  /** SQL GLOB pattern over the action, e.g. `host.*`. */
  action?: string;
  since?: string;
  until?: string;
  /** The newest `limit` matches are returned, oldest first. 0 means all. */
  limit: number;
  /** Count every match (totalMatching); false skips it where only the newest few are wanted. */
  count?: boolean;
}

export interface EventPage {
  events: AuditEvent[];
  /** Every match, or (with count: false) only those returned. */
  totalMatching: number;
}

const HOST_SUBJECT = 'host:';

/**
 * The subject index holds every subject but `host:NAME` (migration 011): an event about a host
 * always carries the host, and the host index finds it. For other subjects the partial index's own
 * condition, spelled as the index spells it, lets SQLite use that index.
 */
function subjectClause(subject: string): string {
  return subject.startsWith(HOST_SUBJECT) ? 'host = @subjectHost AND subject = @subject' : "subject = @subject AND subject NOT GLOB 'host:*'";
}

const EVENT_FILTERS = [
  ['host', () => 'host = @host'],
  ['subject', subjectClause],
  ['action', () => 'action GLOB @action'],
  ['since', () => 'at >= @since'],
  ['until', () => 'at < @until'],
] as const satisfies readonly (readonly [keyof EventQuery, (value: string) => string])[];

const EVENT_COLUMNS = `id, at, actor_user AS actorUser, actor_machine AS actorMachine, reason, subject, host, action,
  details, prev_hash AS prevHash, hash`;

export class EventRepository {
  private readonly readHead: Statement<[], { lastId: number; lastHash: string }>;
  private readonly writeHead: Statement<[number, string]>;
  private readonly insert: Statement<StoredEvent>;
  private readonly allInOrder: Statement<[], StoredEvent>;

  constructor(private readonly db: Database) {
    this.readHead = db.prepare('SELECT last_id AS lastId, last_hash AS lastHash FROM audit_head WHERE singleton = 1');
    this.writeHead = db.prepare('UPDATE audit_head SET last_id = ?, last_hash = ? WHERE singleton = 1');
    this.insert = db.prepare(`INSERT INTO events (id, at, actor_user, actor_machine, reason, subject, host, action, details, prev_hash, hash)
      VALUES (@id, @at, @actorUser, @actorMachine, @reason, @subject, @host, @action, @details, @prevHash, @hash)`);
    this.allInOrder = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY id`);
  }

  /** Must run inside the caller's write transaction, so the events commit with the change they describe. */
  append(drafts: readonly EventDraft[], actor: Actor, at: string): StoredEvent[] {
    if (!this.db.inTransaction) throw new BugError('EventRepository.append must run inside a transaction');
    if (drafts.length === 0) return [];
    const rows = chainEvents(this.head(), drafts, actor, at);
    for (const row of rows) this.insert.run(row);
    const last = rows.at(-1)!;
    this.writeHead.run(last.id, last.hash);
    return rows;
  }

  head(): ChainHead {
    return this.readHead.get()!;
  }

  /** Streams every event in id order, for verification of very long trails. */
  iterateAll(): IterableIterator<StoredEvent> {
    return this.allInOrder.iterate();
  }

  /**
   * Streams the events with these actions stamped before `until` (as the `until` of a query;
   * all when null), of one host when `host` is given, in id order: the replay behind `--at`. One
   * SELECT reads one consistent snapshot of the trail.
   */
  iterateActions(actions: readonly string[], until: string | null, host: string | null = null): IterableIterator<StoredEvent> {
    const placeholders = actions.map(() => '?').join(', ');
    const bounds = [...(until === null ? [] : ['AND at < ?']), ...(host === null ? [] : ['AND host = ?'])].join(' ');
    const params = [...actions, ...(until === null ? [] : [until]), ...(host === null ? [] : [host])];
    return this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE action IN (${placeholders}) ${bounds} ORDER BY id`).iterate(...params) as IterableIterator<StoredEvent>;
  }

  query(query: EventQuery): EventPage {
    const { where, params } = this.filter(query);
    // Counting a subject with millions of events costs seconds: skipped when the caller says so.
    const total = query.count === false ? null : (this.db.prepare(`SELECT count(*) AS total FROM events ${where}`).get(params) as { total: number }).total;
    const rows = this.db.prepare(this.pageSql(query, where)).all(params) as StoredEvent[];
    return { events: rows.map(parseDetails), totalMatching: total ?? rows.length };
  }

  /** How SQLite answers a query's page (EXPLAIN QUERY PLAN): which index, or a scan of the trail. */
  plan(query: EventQuery): string[] {
    const { where, params } = this.filter(query);
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${this.pageSql(query, where)}`).all(params) as Array<{ detail: string }>).map((row) => row.detail);
  }

  private filter(query: EventQuery): { where: string; params: Record<string, string> } {
    const active = EVENT_FILTERS.filter(([key]) => query[key] !== undefined);
    const clauses = active.map(([key, clause]) => clause(query[key]!));
    const params: Record<string, string> = Object.fromEntries(active.map(([key]) => [key, query[key]!]));
    if (query.subject?.startsWith(HOST_SUBJECT)) params.subjectHost = query.subject.slice(HOST_SUBJECT.length);
    return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }

  private pageSql(query: EventQuery, where: string): string {
    const limit = query.limit > 0 ? `LIMIT ${Math.floor(query.limit)}` : '';
    return `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events ${where} ORDER BY id DESC ${limit}) ORDER BY id`;
  }
}

function parseDetails(row: StoredEvent): AuditEvent {
  return { ...row, details: JSON.parse(row.details) as unknown };
}
