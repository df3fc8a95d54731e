import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { systemClock } from '../src/adapters/clock.js';
import type { AuditEvent } from '../src/audit/event.js';
import { html } from '../src/reports/html.js';
import { rolloutReportHtml } from '../src/reports/report-html.js';
import { buildRolloutReport, type RolloutReportInput } from '../src/reports/rollout-report.js';
import { summarizeFleet } from '../src/fleet/summary.js';
import { reportFleet, reportRollout } from '../src/services/reports.js';
import { importSimulatedFleet, planSimulatedRollout, runSimulatedRollout, simulatedHostname } from '../src/services/simulation/simulated-rollout.js';
import { withPage } from './support/browser.js';
import { REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

const HOSTILE = '</pre><script>alert("owned")</script><img src=x onerror=alert(1)>';

let nextId = 1;
function rolloutEvent(at: string, action: string, details: Record<string, unknown>, host: string | null = null): AuditEvent {
  return { id: nextId++, at, actorUser: 'op', actorMachine: 'box', reason: host === null ? 'INC-7' : null, subject: 'rollout:k', host, action, details, prevHash: '', hash: '' };
}

function input(overrides: Partial<RolloutReportInput> = {}): RolloutReportInput {
  const T = (second: number) => `2026-11-01T00:00:${String(second).padStart(2, '0')}.000Z`;
  const empty = { at: T(0), summary: summarizeFleet([], null) };
  return {
    generatedAt: T(59),
    rollout: {
      name: 'k',
      kind: 'kernel',
      target: '6.12.0',
      specSha256: 'a'.repeat(64),
      status: 'completed',
      wave: 1,
      reason: null,
      rollbackWave: null,
      soakStartedAt: null,
      hosts: 3,
      createdAt: T(0),
      updatedAt: T(30),
    },
    definition: {
      spec: { name: 'k', vars: { note: HOSTILE } } as never,
      specPath: '/specs/k.yaml',
      playbookPath: '/p/kernel.yaml',
      playbook: 'x',
      playbookSha256: 'b'.repeat(64),
      artifacts: { '/p/kernel.deb': 'c'.repeat(64) },
    },
    hosts: [
      { hostname: 'web-1', wave: 0, batch: 0, position: 0, state: { status: 'succeeded' } },
      { hostname: 'web-2', wave: 1, batch: 0, position: 0, state: { status: 'rolled-back', reason: HOSTILE, hostFailed: true } },
      { hostname: 'web-3', wave: 1, batch: 1, position: 0, state: { status: 'pending' } },
    ],
    events: [
      rolloutEvent(T(1), 'rollout.planned', { hosts: 3, waves: 2, excluded: 0, target: '6.12.0', specSha256: 'a'.repeat(64) }),
      rolloutEvent(T(2), 'rollout.host.dispatched', { wave: 0, batch: 0 }, 'web-1'),
      rolloutEvent(T(4), 'rollout.host.step', { index: 0, name: 'install', outcome: 'ok', durationMs: 1500 }, 'web-1'),
      rolloutEvent(T(5), 'rollout.host.succeeded', { from: 'verifying' }, 'web-1'),
      rolloutEvent(T(6), 'rollout.health-read', { wave: 0, final: true, healthy: true, hostsChecked: 1, unhealthyHosts: 0, gates: [{ gate: 'errors', healthy: true, detail: '0.01 <= 0.05' }] }),
      rolloutEvent(T(7), 'rollout.runner-observed', { from: 'running', to: 'paused', latencyMs: 12 }),
      rolloutEvent(T(8), 'rollout.paused', { from: 'running', reason: HOSTILE }),
      rolloutEvent(T(10), 'rollout.host.dispatched', { wave: 1, batch: 0 }, 'web-2'),
      rolloutEvent(T(12), 'rollout.host.step', { index: 0, name: 'install', outcome: 'failed', detail: HOSTILE, durationMs: 900 }, 'web-2'),
      rolloutEvent(T(13), 'rollout.host.rollback', { index: 0, name: 'remove', outcome: 'ok', durationMs: 300 }, 'web-2'),
      rolloutEvent(T(14), 'rollout.host.rolled-back', { from: 'rolling-back' }, 'web-2'),
    ],
    composition: { before: empty, after: empty },
    audit: { ok: true, eventsChecked: 11, head: { lastId: 11, lastHash: 'd'.repeat(64) }, problems: [] },
    ...overrides,
  };
}

describe('the rollout report (pure)', () => {
  test('hosts carry their steps, dispatch and end; batches span first dispatch to last host done; health reads and the runner noticing stay out of the lifecycle', () => {
    const report = buildRolloutReport(input());
    assert.deepEqual(
      report.hosts.map((host) => [
        host.hostname,
        host.status,
        host.dispatchedAt?.slice(17, 19) ?? null,
        host.finishedAt?.slice(17, 19) ?? null,
        host.steps.map((step) => `${step.section}:${step.name}:${step.outcome}:${step.durationMs}`),
      ]),
      [
        ['web-1', 'succeeded', '02', '05', ['step:install:ok:1500']],
        ['web-2', 'rolled-back', '10', '14', ['step:install:failed:900', 'rollback:remove:ok:300']],
        ['web-3', 'pending', null, null, []],
      ],
    );
    assert.deepEqual(
      report.batches.map((batch) => [batch.wave, batch.batch, batch.start?.slice(17, 19) ?? null, batch.end?.slice(17, 19) ?? null, batch.outcomes]),
      [
        [0, 0, '02', '05', { succeeded: 1 }],
        [1, 0, '10', '14', { 'rolled-back': 1 }],
        [1, 1, null, null, { pending: 1 }],
      ],
    );
    assert.deepEqual(
      report.lifecycle.map((entry) => entry.action),
      ['rollout.planned', 'rollout.paused'],
    );
    assert.equal(report.lifecycle[1]!.reason, 'INC-7');
    assert.deepEqual(
      report.healthReads.map((read) => [read.wave, read.healthy, read.gates.length]),
      [[0, true, 1]],
    );
    assert.deepEqual(report.hostsByStatus, { succeeded: 1, 'rolled-back': 1, pending: 1 });
    assert.deepEqual([report.audit.eventsDrawnOn, report.audit.firstEventId! < report.audit.lastEventId!], [11, true]);
  });

  test('values from specs, hosts and operators print as text: no markup of theirs reaches the page', () => {
    const page = rolloutReportHtml(buildRolloutReport(input()));
    assert.equal(page.includes('<script'), false);
    assert.equal(page.includes('<img'), false);
    assert.ok(page.includes('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;'), 'the hostile text is there, escaped');
    assert.match(page, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
    assert.equal(html`<td title="${'" onmouseover="x'}">${'a & b'}</td>`.html, '<td title="&quot; onmouseover=&quot;x">a &amp; b</td>');
  });
});

describe('both reports in a real headless Chromium', () => {
  test('a rollout with a gate, a failed host rolled back and a hostile spec value: the page opens without errors or fetches, charts are drawn, every host is in the table', async (t) => {
    const dir = tempDir('fleetwave-report-');
    const { dbPath } = importSimulatedFleet({ dir, hosts: 30, clock: systemClock });
    const beforeRollout = new Date().toISOString();
    const broken = simulatedHostname(4);
    planSimulatedRollout({
      dir,
      hosts: 30,
      clock: systemClock,
      spec: {
        waves: [1, 5, '100%'],
        canary: 1,
        parallel: 4,
        spread: { rack: 1 },
        failureBudget: { perWave: 3, overall: 3 },
        gates: [{ name: 'control-host-ok', command: 'true' }],
        vars: { note: HOSTILE },
      },
    });
    const { result } = await runSimulatedRollout(
      { dbPath, name: 'simulated' },
      { clock: systemClock, pollMs: 5, fleet: { fails: (hostname, command) => hostname === broken && /install-kernel/.test(command) } },
    );
    assert.equal(result.status, 'completed');

    const file = path.join(dir, 'rollout.html');
    const { written, report } = reportRollout({ dbPath, name: 'simulated', html: file, force: false, clock: systemClock });
    assert.equal(written!.file, file);
    assert.deepEqual(report.hostsByStatus, { succeeded: 29, 'rolled-back': 1 });
    assert.ok(report.healthReads.length >= 3, 'one read per wave at least');
    assert.equal(report.audit.ok, true);
    assert.equal(report.composition.before.summary.total, 30);
    assert.deepEqual(
      report.composition.after.summary.groups[0]!.kernels.map((row) => [row.kernel, row.total]),
      [['6.12.0-simulated', 30]],
      'after: every host probed on its (simulated) kernel',
    );
    assert.throws(() => reportRollout({ dbPath, name: 'simulated', html: file, force: false, clock: systemClock }), /exists; the report was not written/);
    assert.equal(readFileSync(file, 'utf8'), rolloutReportHtml(report), 'the refused second write left the first file as it was');

    const startedBatches = report.batches.filter((batch) => batch.start !== null).length;
    await withPage(file, async (page) => {
      const counts = await page.count({
        hostRows: 'table#hosts tbody tr',
        timelineBars: 'svg[data-chart="timeline"] rect.bar',
        readings: 'svg[data-chart="gates"] .reading',
        unhealthy: 'svg[data-chart="gates"] .reading.unhealthy',
        before: 'svg[data-chart="composition-before"] rect.bar',
        after: 'svg[data-chart="composition-after"] rect.bar',
        scripts: 'script',
        lifecycle: 'table#lifecycle tbody tr',
      });
      const screenshot = path.join(dir, 'rollout-report.png');
      await page.screenshot(screenshot);
      t.diagnostic(`screenshot of the rollout report: ${screenshot}`);
      if (process.env.FLEETWAVE_UPDATE_DOCS === '1') copyFileSync(screenshot, path.join(REPO_ROOT, 'docs', 'rollout-report.png'));
      assert.deepEqual(page.errors, [], 'no console error or uncaught exception');
      assert.deepEqual(page.requests, [], 'nothing fetched: the file is self-contained');
      assert.equal(counts.hostRows, 30, 'every host has its row');
      assert.ok(counts.timelineBars! >= startedBatches, `each started batch drawn (${counts.timelineBars} bars, ${startedBatches} batches)`);
      assert.equal(counts.readings, report.healthReads.length * 2, 'each read drawn for the host checks and for the gate');
      assert.equal(counts.unhealthy, 0);
      assert.ok(counts.before! > 0 && counts.after! > 0, 'both compositions drawn');
      assert.equal(counts.scripts, 0, 'the hostile spec value did not become a script');
      assert.ok(counts.lifecycle! >= 3, 'planned, runner started, completed');
      const rows = await page.texts('table#hosts tbody tr');
      assert.match(
        rows.find((row) => row.startsWith(broken))!,
        /rolled-back/,
      );
      assert.ok((await page.texts('#spec')).join('').includes(JSON.stringify(HOSTILE)), 'the spec shows the value as text');
      assert.match((await page.texts('#audit-verdict')).join(''), /audit verify: intact/);
    });

    const fleetFile = path.join(dir, 'fleet.html');
    const fleet = reportFleet({ dbPath, at: beforeRollout, html: fleetFile, force: false, clock: systemClock });
    assert.deepEqual(
      fleet.report.overall.groups[0]!.kernels.map((row) => row.kernel),
      ['(not probed)'],
      'before the rollout nothing was probed',
    );
    await withPage(fleetFile, async (page) => {
      const counts = await page.count({ all: 'svg[data-chart="composition-all"] rect.bar', clusters: 'table#composition-cluster-table tbody tr', zones: 'table#composition-zone-table tbody tr' });
      const screenshot = path.join(dir, 'fleet-report.png');
      await page.screenshot(screenshot);
      t.diagnostic(`screenshot of the fleet report: ${screenshot}`);
      assert.deepEqual([page.errors, page.requests], [[], []]);
      assert.deepEqual(counts, { all: 1, clusters: 4, zones: 12 });
      assert.match((await page.texts('.meta')).join(''), /before 20/);
    });
    assert.ok(existsSync(fleetFile));
  });
});
