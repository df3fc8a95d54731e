import { createHash } from 'node:crypto';
import type { Actor, EventDraft, StoredEvent } from './event.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainHead {
  lastId: number;
  lastHash: string;
}

/** The hash covers every stored column, including the id, so a removed row breaks the chain. */
export function hashEvent(event: Omit<StoredEvent, 'hash'>): string {
  const canonical = JSON.stringify([event.id, event.at, event.actorUser, event.actorMachine, event.reason, event.subject, event.host, event.action, event.details, event.prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Turns drafts into chained rows that follow `head`. Pure: time and actor come in as data. */
export function chainEvents(head: ChainHead, drafts: readonly EventDraft[], actor: Actor, at: string): StoredEvent[] {
  const rows: StoredEvent[] = [];
  let previous = head;
  for (const draft of drafts) {
    const unhashed = {
      id: previous.lastId + 1,
      at,
      actorUser: actor.user,
      actorMachine: actor.machine,
      reason: actor.reason,
      subject: draft.subject,
      host: draft.host ?? null,
      action: draft.action,
      details: JSON.stringify(draft.details),
      prevHash: previous.lastHash,
    };
    const row = { ...unhashed, hash: hashEvent(unhashed) };
    rows.push(row);
    previous = { lastId: row.id, lastHash: row.hash };
  }
  return rows;
}

export interface ChainProblem {
  eventId: number;
  problem: string;
}

export interface ChainVerification {
  ok: boolean;
  eventsChecked: number;
  head: ChainHead;
  problems: ChainProblem[];
}

const MAX_PROBLEMS_REPORTED = 20;

/**
 * A point of the chain kept outside the database (printed by `audit anchor`): the trail must still
 * reach it with the same hash. Without one, removing the newest events and rewriting the head to
 * match goes unnoticed; with one, the cut is seen.
 */
export interface ChainAnchor {
  /** Null when only the hash was kept. */
  eventId: number | null;
  hash: string;
}

export function parseAnchor(text: string): ChainAnchor | null {
  const match = /^(?:(\d+):)?([0-9a-f]{64})$/.exec(text.trim());
  return match ? { eventId: match[1] === undefined ? null : Number(match[1]), hash: match[2]! } : null;
}

export function formatAnchor(head: ChainHead): string {
  return `${head.lastId}:${head.lastHash}`;
}

/** Walks the whole trail in id order. Reports edits, removals, insertions, a truncated tail, and an anchor it no longer reaches. */
export function verifyChain(events: Iterable<StoredEvent>, head: ChainHead, anchor: ChainAnchor | null = null): ChainVerification {
  const problems: ChainProblem[] = [];
  const report = (eventId: number, problem: string) => {
    if (problems.length < MAX_PROBLEMS_REPORTED) problems.push({ eventId, problem });
  };
  let previous: ChainHead = { lastId: 0, lastHash: GENESIS_HASH };
  let eventsChecked = 0;
  let anchorSeen = false;
  for (const event of events) {
    eventsChecked += 1;
    if (anchor && (anchor.eventId === event.id || (anchor.eventId === null && anchor.hash === event.hash))) {
      anchorSeen = true;
      if (event.hash !== anchor.hash) report(event.id, `its hash is not the anchored ${anchor.hash.slice(0, 12)}: the trail was rewritten from here or earlier`);
    }
    if (event.id !== previous.lastId + 1) {
      report(event.id, `expected event ${previous.lastId + 1} next, found ${event.id}: events were removed or renumbered`);
    }
    if (event.prevHash !== previous.lastHash) {
      report(event.id, 'its prev_hash does not match the event before it: an earlier event was changed or removed');
    }
    const { hash, ...rest } = event;
    if (hashEvent(rest) !== hash) {
      report(event.id, 'its content does not match its hash: this event was edited');
    }
    previous = { lastId: event.id, lastHash: hash };
  }
  if (previous.lastId !== head.lastId || previous.lastHash !== head.lastHash) {
    report(previous.lastId, `the trail ends at event ${previous.lastId} but the recorded head is event ${head.lastId}: events at the end were removed or the head was altered`);
  }
  if (anchor && !anchorSeen) {
    report(
      previous.lastId,
      `the trail no longer reaches the anchored ${anchor.eventId === null ? 'event' : `event ${anchor.eventId}`} (${anchor.hash.slice(0, 12)}): events at the end were removed and the head rewritten`,
    );
  }
  return { ok: problems.length === 0, eventsChecked, head, problems };
}
