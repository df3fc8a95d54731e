import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HttpUrlSchema, redactUrl, redactUrlsIn } from '../src/rollout/http-auth.js';
import { prometheusQueryUrl, readGate } from '../src/services/gate-kinds/index.js';
import { deliverWebhook } from '../src/services/rollout-run/notify.js';
import { RolloutSpecSchema } from '../src/rollout/spec.js';
import { runCliJson } from './support/cli.js';
import { REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

const SECRET = 's3cr3t-value-never-shown';

describe('URLs: only http(s), never with credentials; shown redacted', () => {
  test('a URL with a user, a password or a credential in its query is refused; other schemes too', () => {
    for (const url of [
      `http://admin:${SECRET}@prom:9090`,
      `https://hooks.example.com/x?token=${SECRET}`,
      `http://h/?api_key=${SECRET}`,
      'ftp://prom:9090',
      'file:///etc/shadow',
      'javascript:alert(1)',
    ]) {
      const parsed = HttpUrlSchema.safeParse(url);
      assert.equal(parsed.success, false, url);
      assert.ok(!JSON.stringify(parsed.error!.issues.map((issue) => issue.message)).includes(SECRET), 'the message never repeats the secret');
    }
    for (const url of ['http://prom:9090', 'https://prom.example.com/prometheus/', 'http://h:8080/hook?channel=ops']) assert.equal(HttpUrlSchema.safeParse(url).success, true, url);
  });

  test('shown or stored, every query value and any credentials are replaced', () => {
    assert.equal(redactUrl(`http://u:${SECRET}@h:1/p?channel=ops&x=1#frag`), 'http://REDACTED:REDACTED@h:1/p?channel=REDACTED&x=REDACTED');
    assert.equal(redactUrlsIn(`fetch http://h/x?sig=${SECRET} failed`), 'fetch http://h/x?sig=REDACTED failed');
    assert.equal(redactUrl('not a url'), 'not a url');
  });
});

describe('secrets for gates and webhooks come from the environment or a file, and reach only the request', () => {
  const dir = tempDir('fleetwave-secrets-');
  const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ url: request.url ?? '', headers: request.headers, body });
      if (request.url?.startsWith('/prometheus/api/v1/query')) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.01'] }] } }));
      } else if (request.url?.startsWith('/api/v1/query')) {
        response.writeHead(404).end('no prometheus here');
      } else {
        response.writeHead(request.headers.authorization === `Bearer ${SECRET}` ? 200 : 401).end('ok');
      }
    });
  });
  let base = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(path.join(dir, 'token'), `${SECRET}\n`, { mode: 0o600 });
  });
  after(() => server.close());

  test('bearerTokenFile and headers from the environment are sent; the reading never holds them', async () => {
    process.env.FLEETWAVE_TEST_SECRET = SECRET;
    try {
      const bearer = await readGate({ name: 'h', http: { url: `${base}/health`, expect_status: 200, bearerTokenFile: 'token' }, timeout: 5 }, { baseDir: dir });
      assert.deepEqual(bearer, { gate: 'h', healthy: true, detail: 'HTTP 200' });
      const header = await readGate({ name: 'h', http: { url: `${base}/health`, expect_status: 200, headers: { 'X-Token': { env: 'FLEETWAVE_TEST_SECRET' } } }, timeout: 5 }, { baseDir: dir });
      assert.equal(header.healthy, false, 'the server wants a bearer token; a header alone is not enough');
      assert.equal(seen.at(-1)!.headers['x-token'], SECRET);
    } finally {
      delete process.env.FLEETWAVE_TEST_SECRET;
    }
  });

  test('a missing secret fails the gate closed, naming where it was looked for', async () => {
    const missing = await readGate({ name: 'h', http: { url: `${base}/health`, expect_status: 200, headers: { Authorization: { env: 'FLEETWAVE_TEST_UNSET' } } }, timeout: 5 }, { baseDir: dir });
    assert.deepEqual(missing, { gate: 'h', healthy: false, detail: 'could not read the gate (fail closed): header Authorization: the environment variable FLEETWAVE_TEST_UNSET is not set' });
    const noFile = await readGate({ name: 'h', http: { url: `${base}/health`, expect_status: 200, bearerTokenFile: 'nope' }, timeout: 5 }, { baseDir: dir });
    assert.match(noFile.detail, /bearerTokenFile .*nope cannot be read/);
  });

  test('a Prometheus base URL keeps its path prefix', async () => {
    assert.equal(prometheusQueryUrl('http://h/prometheus', 'up'), 'http://h/prometheus/api/v1/query?query=up');
    assert.equal(prometheusQueryUrl('http://h/prometheus/', 'up'), 'http://h/prometheus/api/v1/query?query=up');
    assert.equal(prometheusQueryUrl('http://h:9090', 'up'), 'http://h:9090/api/v1/query?query=up');
    const reading = await readGate({ name: 'p', prometheus: { url: `${base}/prometheus/`, query: 'errors', max: 0.05, bearerTokenFile: 'token' }, timeout: 5 }, { baseDir: dir });
    assert.equal(reading.healthy, true, reading.detail);
    assert.equal(seen.at(-1)!.headers.authorization, `Bearer ${SECRET}`);
  });

  test('the webhook carries its bearer token; a message that fails names no secret', async () => {
    const spec = RolloutSpecSchema.parse({ name: 'w', kind: 'kernel', target: 'k', playbook: 'p', webhook: { url: `${base}/hook`, bearerTokenFile: 'token' } });
    const message = { rollout: 'w', kind: 'kernel' as const, target: 'k', from: 'planned', to: 'running', wave: 0, reason: null, at: 'now', actor: 'me' };
    assert.deepEqual(await deliverWebhook(spec, message, dir), { delivered: true, detail: 'HTTP 200' });
    const unauthorized = await deliverWebhook({ ...spec, webhook: { ...spec.webhook!, bearerTokenFile: undefined } }, message, dir);
    assert.deepEqual(unauthorized, { delivered: false, detail: 'HTTP 401 after 3 tries' });
  });

  test('rollout plan refuses a credential in a URL without echoing it, and shows other URLs redacted', () => {
    const db = path.join(dir, 'fleet.db');
    assert.equal(runCliJson(['fleet', 'import', path.join(REPO_ROOT, 'playbooks', 'inventory', 'sample-fleet.yaml'), '--db', db]).code, 0);
    writeFileSync(path.join(dir, 'p.yaml'), 'name: p\nsteps:\n  - run: "true"\n');
    const spec = (webhook: string) => {
      const file = path.join(dir, 'spec.yaml');
      writeFileSync(file, JSON.stringify({ name: 'secretive', kind: 'kernel', target: '5.15.0-300', playbook: 'p', webhook: { url: webhook } }));
      return file;
    };
    const refused = runCliJson(['rollout', 'plan', spec(`http://ops:${SECRET}@127.0.0.1:9/hook`), '--db', db]);
    assert.deepEqual([refused.code, refused.json.error?.code], [3, 'SPEC_INVALID']);
    assert.match(refused.json.error!.message, /webhook.url: a URL may not carry a user or password/);
    assert.ok(!refused.stdout.includes(SECRET) && !refused.stderr.includes(SECRET));
    const shown = runCliJson<{ spec: { webhook: { url: string } } }>(['rollout', 'plan', spec('http://127.0.0.1:9/hook?channel=ops-private'), '--db', db]);
    assert.equal(shown.code, 0, shown.stdout);
    assert.equal(shown.json.result.spec.webhook.url, 'http://127.0.0.1:9/hook?channel=REDACTED');
    const audit = runCliJson<{ events: unknown[] }>(['audit', 'log', '--db', db, '--limit', '0']);
    assert.ok(!JSON.stringify(audit.json).includes('ops-private'), 'the audit trail holds no URL query');
  });
});
