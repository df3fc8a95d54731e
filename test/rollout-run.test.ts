import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listen, startExporter, startPrometheus, waitForValue } from './support/prometheus.js';
import { withPage } from './support/browser.js';
import { rolloutLab } from './support/rollout-lab.js';

/**
 * `rollout run` end to end on a real lab fleet (see support/rollout-lab.ts), a real Prometheus and a
 * real HTTP webhook listener: waves, spread, gates, a failed canary, budgets. On-call control and
 * stopped runners are in rollout-recovery.test.ts, rollbacks in rollout-rollback.test.ts, each on
 * a lab of its own.
 * Needs root, as CI has.
 */
const { HOSTS, dir, labDir, name, range, cli, kernelOf, defaultOf, rebootsOf, reboots, writeSpec, plan, startRun, statusOf, auditVerifies, events, up, down } = rolloutLab('rlab');

describe('rollout run on the lab fleet', { concurrency: false }, () => {
  before(up);
  after(down);

  test('a clean 20-host rollout: canary, waves within spread limits, healthy Prometheus gate, webhook on every change; each host rebooted once, and passes kernel verify', async () => {
    const exporter = await startExporter('fleetwave_test_error_ratio');
    const prometheus = await startPrometheus(path.join(dir, 'prometheus'), exporter.port);
    const messages: { from: string; to: string; rollout: string }[] = [];
    const webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        messages.push(JSON.parse(body));
        response.writeHead(204).end();
      });
    });
    const webhookPort = await listen(webhook);
    try {
      await waitForValue(prometheus.url, 'fleetwave_test_error_ratio', 0);
      const all = range(1, HOSTS);
      const before = reboots(all);
      await plan(
        writeSpec('clean', '5.15.0-201-netkit', all, {
          waves: [3, '50%', '100%'],
          spread: { rack: 1 },
          gates: [{ name: 'error ratio', prometheus: { url: prometheus.url, query: 'fleetwave_test_error_ratio', max: 0.1 } }],
          webhook: { url: `http://127.0.0.1:${webhookPort}/hook` },
        }),
      );
      const run = startRun('clean');
      const end = await run.done;
      assert.equal(end.code, 0, end.stderr);
      assert.equal(end.json!.result.status, 'completed');
      assert.deepEqual(end.json!.result.hosts, { succeeded: HOSTS });
      for (const hostname of all) {
        assert.deepEqual([kernelOf(hostname), defaultOf(hostname)], ['5.15.0-201-netkit', '5.15.0-201-netkit'], hostname);
        assert.equal(rebootsOf(hostname) - before[hostname]!, 1, `${hostname} rebooted exactly once`);
      }
      // Spread: never two hosts of one rack in flight. Dispatches come in batches; each batch's racks are distinct.
      const dispatched = await events('rollout.host.dispatched');
      const batches = new Map<string, string[]>();
      for (const event of dispatched) {
        const key = `${event.details.wave}/${event.details.batch}`;
        batches.set(key, [...(batches.get(key) ?? []), event.host!]);
      }
      const rackOf = (hostname: string) => {
        const index = Number(hostname.slice(-3)) - 1;
        return `${index % 3}-${Math.floor(Math.floor(index / 3) / 4)}`;
      };
      for (const [key, hosts] of batches) assert.equal(new Set(hosts.map(rackOf)).size, hosts.length, `batch ${key} has one host per rack`);
      assert.equal(dispatched[0]!.details.wave, 0, 'the canary goes first');
      const reads = await events('rollout.health-read');
      assert.ok(reads.length >= 4 && reads.every((read) => read.details.healthy === true), 'every wave was read healthy');
      assert.match(JSON.stringify(reads[0]!.details.gates), /error ratio/);
      // Webhooks are delivered in the background; the runner waits for them before it exits.
      assert.deepEqual(
        messages.map((message) => `${message.from}->${message.to}`),
        ['planned->running', 'running->completed'],
      );
      assert.equal((await statusOf('clean')).status, 'completed');
      await auditVerifies();
      // The hosts this rollout moved to a netkit kernel pass `kernel verify`.
      const verified = await cli<{ hosts: { hostname: string; ok: boolean; kernel: string; missing: string[] }[] }>(['kernel', 'verify', name(1), name(2)]);
      assert.equal(verified.code, 0, verified.stdout);
      assert.deepEqual(
        verified.json.result.hosts.map((host) => [host.hostname, host.ok, host.missing]),
        [
          [name(1), true, []],
          [name(2), true, []],
        ],
      );
    } finally {
      prometheus.stop();
      await exporter.close();
      webhook.close();
    }
  });

  test('a canary that fails its health check is rolled back automatically, the rollout halts, later waves are untouched', async () => {
    const hosts = range(1, 4);
    const before = reboots(hosts);
    const previous = kernelOf(name(1));
    assert.equal((await cli(['lab', 'fault', name(1), 'health-fails', '--lab-dir', labDir])).code, 0);
    try {
      await plan(writeSpec('canary-fails', '5.15.0-202-netkit', hosts, { canary: [name(1)] }));
      const end = await startRun('canary-fails').done;
      assert.equal(end.code, 8, end.stderr);
      assert.deepEqual([end.json!.result.status, end.json!.result.stoppedBecause], ['halted', 'halted']);
      assert.deepEqual(
        end.json!.result.failed.map((host) => [host.hostname, host.status]),
        [[name(1), 'rolled-back']],
      );
      assert.match(end.json!.result.failed[0]!.reason, /healthy on the new kernel/);
      assert.deepEqual([kernelOf(name(1)), defaultOf(name(1))], [previous, previous], 'the canary is back on its previous kernel');
      assert.equal(rebootsOf(name(1)) - before[name(1)]!, 2, 'the canary rebooted into the new kernel and back');
      const status = await statusOf('canary-fails');
      for (const hostname of hosts.slice(1)) {
        assert.equal(status.hosts[hostname]!.status, 'pending', `${hostname} untouched`);
        assert.equal(rebootsOf(hostname), before[hostname]);
      }
    } finally {
      await cli(['lab', 'fault', name(1), 'health-fails', '--clear', '--lab-dir', labDir]);
    }
    // Aborting the halted rollout skips the untouched hosts and frees them.
    const aborted = await cli<{ to: string; locksReleased: number }>(['rollout', 'abort', 'canary-fails', '--reason', 'canary failed, INC-1']);
    assert.deepEqual([aborted.code, aborted.json.result.to, aborted.json.result.locksReleased], [0, 'aborted', 4]);
  });

  test('a failure budget spent mid-rollout rolls the wave back (rollback-wave); a full rollback then undoes the canary too', async () => {
    const hosts = range(5, 10);
    const before = reboots(hosts);
    const previous = Object.fromEntries(hosts.map((hostname) => [hostname, kernelOf(hostname)]));
    // The host in the second wave whose new kernel fails to boot: it comes back on the old default.
    const badHost = name(7);
    assert.equal((await cli(['lab', 'fault', badHost, 'bad-kernel', '--value', '5.15.0-203-netkit', '--lab-dir', labDir])).code, 0);
    try {
      await plan(writeSpec('budget', '5.15.0-203-netkit', hosts, { canary: [name(5)], waves: [3, '100%'], failureBudget: { perWave: 0, overall: 0, onSpent: 'rollback-wave' } }));
      const planned = await statusOf('budget');
      assert.equal(Object.keys(planned.hosts).length, 6);
      const end = await startRun('budget').done;
      assert.equal(end.code, 8, end.stderr);
      assert.equal(end.json!.result.status, 'halted');
      const status = await statusOf('budget');
      assert.equal(status.hosts[name(5)]!.status, 'succeeded', 'the canary wave is kept');
      assert.deepEqual([status.hosts[badHost]!.status, status.hosts[badHost]!.hostFailed], ['rolled-back', true]);
      assert.match(status.hosts[badHost]!.reason!, /running the target kernel/);
      const secondWave = Object.entries(status.hosts).filter(([hostname, state]) => hostname !== name(5) && state.status !== 'pending');
      assert.equal(secondWave.length, 3, 'the second wave was dispatched');
      for (const [hostname, state] of secondWave) {
        assert.equal(state.status, 'rolled-back', hostname);
        assert.equal(kernelOf(hostname), previous[hostname], `${hostname} back on the previous kernel`);
      }
      assert.ok(
        Object.values(status.hosts).some((state) => state.status === 'pending'),
        'the last wave was never started',
      );
      assert.equal(kernelOf(badHost), previous[badHost]);
      assert.equal(rebootsOf(badHost) - before[badHost]!, 1, 'the bad host booted once (and fell back); its rollback needed no second reboot');
    } finally {
      await cli(['lab', 'fault', badHost, 'bad-kernel', '--clear', '--lab-dir', labDir]);
    }
    const rollback = await cli<{ to: string }>(['rollout', 'rollback', 'budget', '--reason', 'undo the canary as well']);
    assert.deepEqual([rollback.code, rollback.json.result.to], [0, 'rolling-back']);
    const end = await startRun('budget').done;
    assert.equal(end.code, 8, end.stderr);
    assert.equal(end.json!.result.status, 'rolled-back');
    for (const hostname of hosts) assert.equal(kernelOf(hostname), previous[hostname], hostname);
    assert.equal(defaultOf(name(5)), previous[name(5)]);
    const finalStatus = await statusOf('budget');
    assert.ok(Object.values(finalStatus.hosts).every((state) => state.status === 'rolled-back' || state.status === 'skipped'));
    await auditVerifies();
  });

  test('fleet history and --at on the lab after two rollouts, one rolled back: the replayed fleet equals the live one, the past shows the old kernels, each host tells its story', async () => {
    type Host = { hostname: string; runningKernel: string; bootId: string | null };
    type Entry = { action: string; rollout: string | null; summary: string };
    const [good1, good2, bad, untouched] = range(11, 14) as [string, string, string, string];
    const selector = `hostname in (${[good1, good2, bad, untouched].join(',')})`;
    const listAt = async (at: string) => {
      const listed = await cli<{ at: string; hosts: Host[] }>(['fleet', 'list', '--where', selector, '--at', at]);
      assert.equal(listed.code, 0, listed.stdout);
      return Object.fromEntries(listed.json.result.hosts.map((host) => [host.hostname, host.runningKernel]));
    };
    const before = new Date().toISOString();
    const kernelsBefore = await listAt(before);
    await plan(writeSpec('history-ok', '5.15.0-220-netkit', [good1, good2], { canary: [good1] }));
    assert.equal((await startRun('history-ok').done).code, 0);
    const between = new Date().toISOString();
    assert.equal((await cli(['lab', 'fault', bad, 'health-fails', '--lab-dir', labDir])).code, 0);
    try {
      await plan(writeSpec('history-back', '5.15.0-221-netkit', [bad, untouched], { canary: [bad] }));
      assert.equal((await startRun('history-back').done).code, 8);
    } finally {
      await cli(['lab', 'fault', bad, 'health-fails', '--clear', '--lab-dir', labDir]);
      await cli(['rollout', 'abort', 'history-back', '--reason', 'canary failed']);
    }

    // The whole fleet replayed from the trail (real probes over SSH, real reboots' boot ids) is the live table.
    const live = await cli<{ at: null; hosts: Host[] }>(['fleet', 'list']);
    const replayed = await cli<{ at: string; hosts: Host[] }>(['fleet', 'list', '--at', '2099-01-01']);
    assert.deepEqual(replayed.json.result.hosts, live.json.result.hosts);
    assert.equal(live.json.result.at, null);

    // The past: before the first rollout and between the two.
    assert.deepEqual(await listAt(between), { ...kernelsBefore, [good1]: '5.15.0-220-netkit', [good2]: '5.15.0-220-netkit' });
    assert.deepEqual(await listAt(before), kernelsBefore);
    const summary = await cli<{ at: string; total: number; groups: { kernels: { kernel: string; total: number }[] }[] }>(['fleet', 'summary', '--where', selector, '--at', between]);
    assert.deepEqual([summary.json.result.at, summary.json.result.total], [between, 4]);
    assert.equal(summary.json.result.groups[0]!.kernels.find((row) => row.kernel === '5.15.0-220-netkit')?.total, 2);
    const shown = await cli<{ at: string; host: Host; recentEvents: { at: string }[] }>(['fleet', 'show', bad, '--at', between, '--events', '50']);
    assert.equal(shown.json.result.host.runningKernel, kernelsBefore[bad]);
    assert.ok(
      shown.json.result.recentEvents.every((event) => event.at < between),
      'show --at lists only the events before that time',
    );

    // Each host's story, in order.
    const story = async (hostname: string) => {
      const history = await cli<{ entries: Entry[] }>(['fleet', 'history', hostname, '--since', before]);
      assert.equal(history.code, 0, history.stdout);
      return history.json.result.entries;
    };
    const inOrder = (entries: Entry[], expected: Array<[string, RegExp]>) => {
      let from = 0;
      for (const [rollout, pattern] of expected) {
        const found = entries.findIndex((entry, index) => index >= from && entry.rollout === rollout && pattern.test(`${entry.action} ${entry.summary}`));
        assert.ok(found >= 0, `${rollout} ${pattern} after entry ${from}:\n${entries.map((entry) => `${entry.rollout} ${entry.action} ${entry.summary}`).join('\n')}`);
        from = found + 1;
      }
    };
    inOrder(await story(good1), [
      ['history-ok', /^rollout\.host\.dispatched /],
      ['history-ok', new RegExp(`^host\\.probed probed \\(baseline\\): kernel ${kernelsBefore[good1]!.replaceAll('.', '\\.')},`)],
      ['history-ok', /^rollout\.host\.step step \d+ "reboot into it": ok/],
      ['history-ok', /^rollout\.host\.succeeded /],
      ['history-ok', /^host\.probed probed \(succeeded\): kernel 5\.15\.0-220-netkit.*rebooted since the last probe, boot id \S+/],
    ]);
    inOrder(await story(bad), [
      ['history-back', /^rollout\.host\.dispatched /],
      ['history-back', /^rollout\.host\.step step \d+ "healthy on the new kernel": failed/],
      ['history-back', /^rollout\.host\.rolling-back /],
      ['history-back', /^rollout\.host\.rolled-back /],
    ]);
    assert.deepEqual(await story(untouched), [], 'nothing happened to the host the halt left pending (planned, never dispatched)');

    // Both reports, for the change ticket, opened in a real headless Chromium.
    const reportFile = path.join(dir, 'history-back.html');
    const reported = await cli<{
      written: { file: string };
      report: { rollout: { status: string }; hostsByStatus: Record<string, number>; lifecycle: Entry[]; hosts: Array<{ hostname: string; status: string; steps: unknown[] }>; audit: { ok: boolean } };
    }>(['rollout', 'report', 'history-back', '--html', reportFile]);
    assert.equal(reported.code, 0, reported.stdout);
    const report = reported.json.result.report;
    assert.deepEqual([report.rollout.status, report.hostsByStatus, report.audit.ok], ['aborted', { 'rolled-back': 1, skipped: 1 }, true]);
    assert.deepEqual(
      report.lifecycle.filter((entry) => /^rollout\.(planned|aborted)$/.test(entry.action)).map((entry) => entry.action),
      ['rollout.planned', 'rollout.aborted'],
    );
    assert.ok(report.hosts.find((host) => host.hostname === bad)!.steps.length > 5, 'the rolled-back host carries its forward and rollback steps');
    await withPage(reportFile, async (page) => {
      const counts = await page.count({ hosts: 'table#hosts tbody tr', bars: 'svg[data-chart="timeline"] rect.bar', readings: 'svg[data-chart="gates"] .reading' });
      assert.deepEqual([page.errors, page.requests], [[], []]);
      assert.deepEqual(counts, { hosts: 2, bars: 1, readings: 0 }, 'the canary batch drawn; the halt came before any health read');
    });
    const fleetFile = path.join(dir, 'fleet-between.html');
    const fleetReport = await cli<{ report: { at: string; overall: { total: number } } }>(['fleet', 'report', '--at', between, '--html', fleetFile]);
    assert.deepEqual([fleetReport.code, fleetReport.json.result.report.at, fleetReport.json.result.report.overall.total], [0, between, HOSTS]);
    await withPage(fleetFile, async (page) => {
      assert.deepEqual([page.errors, page.requests], [[], []]);
      assert.ok((await page.count({ bars: 'svg[data-chart="composition-zone"] rect.bar' })).bars! > 0);
    });
  });
});
