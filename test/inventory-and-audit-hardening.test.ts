import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { runCli, runCliJson } from './support/cli.js';
import { tempDir } from './support/temp.js';

describe('imports never undo what fleetwave decided; hostnames are DNS names', () => {
  const dir = tempDir('fleetwave-import-hardening-');
  const db = path.join(dir, 'fleet.db');
  const csv = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  test('a quarantine label survives a re-import (the dry run says so) until fleet unquarantine lifts it, audited', () => {
    const file = csv('fleet.csv', 'hostname,address,zone,labels\nweb-1,10.0.0.1,a,team=net\nweb-2,10.0.0.2,a,\n');
    assert.equal(runCliJson(['fleet', 'import', file, '--db', db]).code, 0);
    // What a failed rollback does to a host (the rollout tests do it for real; here only the label matters).
    const raw = new BetterSqlite3(db);
    raw.prepare(`UPDATE hosts SET labels = json_set(labels, '$."fleetwave/quarantine"', 'rollback failed in rollout r1') WHERE hostname = 'web-1'`).run();
    raw.close();
    const dry = runCliJson<{ kept: { hostname: string; labels: Record<string, string> }[]; changed: unknown[] }>(['fleet', 'import', file, '--dry-run', '--db', db]);
    assert.deepEqual(dry.json.result.kept, [{ hostname: 'web-1', labels: { 'fleetwave/quarantine': 'rollback failed in rollout r1' } }]);
    assert.deepEqual(dry.json.result.changed, [], 'keeping the label is not a change');
    assert.match(runCli(['fleet', 'import', file, '--dry-run', '--db', db]).stdout, /= web-1: keeps fleetwave\/quarantine=rollback failed in rollout r1/);
    assert.equal(runCliJson(['fleet', 'import', file, '--db', db]).code, 0);
    const shown = runCliJson<{ host: { labels: Record<string, string> } }>(['fleet', 'show', 'web-1', '--db', db]);
    assert.deepEqual(shown.json.result.host.labels, { 'fleetwave/quarantine': 'rollback failed in rollout r1', team: 'net' });
    assert.equal(runCliJson(['fleet', 'unquarantine', 'web-1', '--db', db]).code, 2, 'a reason is required');
    assert.equal(runCliJson(['fleet', 'unquarantine', 'web-2', '--reason', 'x', '--db', db]).json.error?.code, 'HOST_NOT_FOUND', 'web-2 is not quarantined');
    const lifted = runCliJson<{ hosts: { hostname: string; was: string }[] }>(['fleet', 'unquarantine', 'web-1', '--reason', 'checked by hand, OPS-1', '--db', db]);
    assert.deepEqual(lifted.json.result.hosts, [{ hostname: 'web-1', was: 'rollback failed in rollout r1' }]);
    const events = runCliJson<{ events: { action: string; reason: string }[] }>(['audit', 'log', '--action', 'host.unquarantined', '--db', db]);
    assert.deepEqual(
      events.json.result.events.map((event) => [event.action, event.reason]),
      [['host.unquarantined', 'checked by hand, OPS-1']],
    );
  });

  test('a host listed twice in other capitals, or spelled otherwise than the fleet has it, is refused; nothing is imported', () => {
    const twice = runCliJson<never>(['fleet', 'import', csv('twice.csv', 'hostname,address\nweb-9,10.0.0.9\nWEB-9,10.0.0.9\n'), '--db', db]);
    assert.deepEqual([twice.code, twice.json.error?.code], [3, 'INVENTORY_INVALID']);
    assert.match(twice.json.error!.message, /twice.csv:3: hostname: WEB-9 is listed twice \(first at line 2 as web-9; host names are not case-sensitive\)/);
    const other = runCliJson<never>(['fleet', 'import', csv('other.csv', 'hostname,address\nWeb-1,10.0.0.1\n'), '--db', db]);
    assert.deepEqual([other.code, other.json.error?.code], [3, 'INVENTORY_INVALID']);
    assert.match(other.json.error!.message, /Web-1 vs web-1/);
    assert.equal(runCliJson<{ hosts: unknown[] }>(['fleet', 'list', '--db', db]).json.result.hosts.length, 2);
  });

  test('a label key given twice is an error, not "the last one wins"', () => {
    const run = runCliJson<never>(['fleet', 'import', csv('labels.csv', 'hostname,labels,label.team\nweb-5,team=net;tier=1;tier=2,ops\n'), '--db', db]);
    assert.deepEqual([run.code, run.json.error?.code], [3, 'INVENTORY_INVALID']);
    assert.match(run.json.error!.message, /labels.csv:2: labels.tier: the label tier is given twice \("1" and "2"\)/);
    assert.match(run.json.error!.message, /labels.csv:2: labels.team: the label team is given twice \("net" and "ops"\)/);
  });

  test('terminal control characters in inventory values are shown escaped, never sent raw to the terminal', () => {
    const file = path.join(dir, 'escape.json');
    writeFileSync(file, JSON.stringify({ hosts: [{ hostname: 'web-7', address: '10.0.0.7', zone: 'a\u001b[2Jb\u0007\u009b31m' }] }));
    assert.equal(runCliJson(['fleet', 'import', file, '--db', db]).code, 0);
    const list = runCli(['fleet', 'list', '--where', 'hostname=web-7', '--db', db]);
    assert.equal(list.code, 0);
    // eslint-disable-next-line no-control-regex -- control characters are what must not reach the terminal
    assert.doesNotMatch(list.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    assert.match(list.stdout, /a\\x1b\[2Jb\\x07\\x9b31m/);
    const json = runCliJson<{ hosts: { zone: string }[] }>(['fleet', 'list', '--where', 'hostname=web-7', '--db', db]);
    assert.equal(json.json.result.hosts[0]!.zone, 'a\u001b[2Jb\u0007\u009b31m', 'JSON carries the value exactly (JSON escapes it)');
  });
});

describe('audit anchors: what the hash chain alone cannot show', () => {
  const dir = tempDir('fleetwave-anchor-');
  const db = path.join(dir, 'fleet.db');

  test('the newest events cut off with the head rewritten to match pass a plain verify, and fail against an anchor', () => {
    const file = path.join(dir, 'fleet.csv');
    writeFileSync(file, 'hostname,address\nweb-1,10.0.0.1\n');
    assert.equal(runCliJson(['fleet', 'import', file, '--db', db, '--reason', 'one']).code, 0);
    const anchor = runCliJson<{ anchor: string; eventId: number }>(['audit', 'anchor', '--db', db]);
    assert.match(anchor.json.result.anchor, /^\d+:[0-9a-f]{64}$/);
    assert.equal(runCliJson(['audit', 'verify', '--anchor', anchor.json.result.anchor, '--db', db]).code, 0);
    writeFileSync(file, 'hostname,address\nweb-1,10.0.0.1\nweb-2,10.0.0.2\n');
    assert.equal(runCliJson(['audit', 'verify', '--anchor', anchor.json.result.anchor, '--db', db]).code, 0, 'an anchor stays valid as the trail grows');
    assert.equal(runCliJson(['fleet', 'import', file, '--db', db, '--reason', 'two']).code, 0);
    // Someone with write access to the file drops the triggers, removes events back to before the anchor, and rewrites the head.
    const raw = new BetterSqlite3(db);
    const keep = anchor.json.result.eventId - 1;
    for (const { name } of raw.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").all() as { name: string }[]) raw.exec(`DROP TRIGGER "${name}"`);
    raw.prepare('DELETE FROM events WHERE id > ?').run(keep);
    const last = raw.prepare('SELECT id, hash FROM events WHERE id = ?').get(keep) as { id: number; hash: string };
    raw.prepare('UPDATE audit_head SET last_id = ?, last_hash = ? WHERE singleton = 1').run(last.id, last.hash);
    raw.close();
    assert.equal(runCliJson(['audit', 'verify', '--db', db]).code, 0, 'the chain alone is consistent: this is the documented limit');
    const anchored = runCliJson<never>(['audit', 'verify', '--anchor', anchor.json.result.anchor, '--db', db]);
    assert.deepEqual([anchored.code, anchored.json.error?.code], [6, 'AUDIT_CHAIN_BROKEN']);
    assert.match(anchored.json.error!.message, new RegExp(`no longer reaches the anchored event ${anchor.json.result.eventId}`));
    assert.equal(runCliJson(['audit', 'verify', '--anchor', 'nonsense', '--db', db]).code, 2);
  });
});
