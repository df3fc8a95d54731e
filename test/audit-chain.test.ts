import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chainEvents, GENESIS_HASH, hashEvent, verifyChain, type ChainHead } from '../src/audit/chain.js';
import type { StoredEvent } from '../src/audit/event.js';
import { parseTimeBound } from '../src/audit/time-bound.js';

const actor = { user: 'alice', machine: 'ops-1', reason: 'test' };
const drafts = [1, 2, 3, 4].map((n) => ({ subject: `host:h${n}`, host: `h${n}`, action: 'host.added', details: { n } }));

function freshChain(): { events: StoredEvent[]; head: ChainHead } {
  const events = chainEvents({ lastId: 0, lastHash: GENESIS_HASH }, drafts, actor, '2026-11-23T10:00:00.000Z');
  return { events, head: { lastId: 4, lastHash: events[3]!.hash } };
}

describe('audit hash chain', () => {
  test('chained events link to their predecessors and verify', () => {
    const { events, head } = freshChain();
    assert.equal(events[0]!.prevHash, GENESIS_HASH);
    assert.equal(events[1]!.prevHash, events[0]!.hash);
    assert.deepEqual(
      events.map((event) => event.id),
      [1, 2, 3, 4],
    );
    assert.deepEqual(verifyChain(events, head), { ok: true, eventsChecked: 4, head, problems: [] });
  });

  test('appending continues from a head', () => {
    const { events, head } = freshChain();
    const more = chainEvents(head, drafts.slice(0, 1), actor, '2026-11-23T11:00:00.000Z');
    assert.equal(more[0]!.id, 5);
    assert.equal(more[0]!.prevHash, head.lastHash);
    assert.equal(verifyChain([...events, ...more], { lastId: 5, lastHash: more[0]!.hash }).ok, true);
  });

  test('an edited field is caught at that event', () => {
    const { events, head } = freshChain();
    events[1] = { ...events[1]!, details: '{"n":99}' };
    const result = verifyChain(events, head);
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.problems.map((problem) => problem.eventId),
      [2],
    );
    assert.match(result.problems[0]!.problem, /edited/);
  });

  test('an edit with a recomputed hash is caught by the next event', () => {
    const { events, head } = freshChain();
    const { hash: _original, ...unhashed } = events[1]!;
    const forged = { ...unhashed, actorUser: 'mallory' };
    events[1] = { ...forged, hash: hashEvent(forged) };
    const result = verifyChain(events, head);
    assert.deepEqual(
      result.problems.map((problem) => problem.eventId),
      [3],
    );
  });

  test('a removed event in the middle is caught', () => {
    const { events, head } = freshChain();
    events.splice(1, 1);
    const result = verifyChain(events, head);
    assert.equal(result.ok, false);
    assert.equal(result.problems[0]!.eventId, 3);
  });

  test('removing the newest events is caught by the head', () => {
    const { events, head } = freshChain();
    const result = verifyChain(events.slice(0, 3), head);
    assert.equal(result.ok, false);
    assert.match(result.problems[0]!.problem, /recorded head is event 4/);
  });

  test('an empty trail with the genesis head verifies', () => {
    assert.equal(verifyChain([], { lastId: 0, lastHash: GENESIS_HASH }).ok, true);
  });
});

describe('time bounds for audit queries', () => {
  const now = new Date('2026-11-23T12:00:00.000Z');
  const cases: [string, string][] = [
    ['6h', '2026-11-23T06:00:00.000Z'],
    ['90m', '2026-11-23T10:30:00.000Z'],
    ['7d', '2026-11-16T12:00:00.000Z'],
    ['1w', '2026-11-16T12:00:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T08:30:00+02:00', '2026-11-01T06:30:00.000Z'],
  ];
  for (const [input, expected] of cases) {
    test(`${input} -> ${expected}`, () => assert.equal(parseTimeBound(input, now, '--since'), expected));
  }
  test('nonsense is a clear error', () => {
    assert.throws(() => parseTimeBound('yesterday', now, '--since'), /--since "yesterday" is neither an ISO time nor a duration/);
  });
});
