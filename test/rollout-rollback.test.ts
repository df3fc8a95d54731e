import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildKernelDeb } from './support/kernel-deb.js';
import { startExporter, startPrometheus, waitForValue } from './support/prometheus.js';
import { ensureKubectl, startKubeStandIn } from './support/kube-api-standin.js';
import { rolloutLab } from './support/rollout-lab.js';

/**
 * `rollout run` end to end on a real lab fleet of its own (see support/rollout-lab.ts): what is
 * rolled back and how: aborts, a Prometheus gate that fails closed, a kernel without netkit,
 * failed and hung reboots, drains, an unreachable canary. Needs root, as CI has.
 */
const { dir, labDir, name, range, cli, kernelOf, defaultOf, reboots, onceOf, variantPlaybook, writeSpec, plan, startRun, statusOf, auditVerifies, events, up, down } = rolloutLab('rblab');

describe('rollout run on the lab fleet: rolling back', { concurrency: false }, () => {
  before(up);
  after(down);

  test('abort from a second process rolls back the hosts in flight and skips the rest', async () => {
    const hosts = range(15, 18);
    const previous = Object.fromEntries(hosts.map((hostname) => [hostname, kernelOf(hostname)]));
    await plan(writeSpec('aborting', '5.15.0-205-netkit', hosts, { canary: 0, waves: ['100%'], parallel: 2 }));
    const run = startRun('aborting');
    await run.waitFor(/install the package: ok/);
    const aborted = await cli<{ to: string; unsettledHosts: number; locksReleased: number }>(['rollout', 'abort', 'aborting', '--reason', 'wrong kernel build']);
    assert.equal(aborted.json.result.to, 'aborted');
    assert.equal(aborted.json.result.locksReleased, 0, 'hosts in flight stay locked until they are rolled back');
    const end = await run.done;
    assert.equal(end.code, 8, end.stderr);
    assert.equal(end.json!.result.status, 'aborted');
    const status = await statusOf('aborting');
    const states = Object.values(status.hosts)
      .map((state) => state.status)
      .sort();
    assert.deepEqual(states, ['rolled-back', 'rolled-back', 'skipped', 'skipped']);
    for (const hostname of hosts) assert.equal(kernelOf(hostname), previous[hostname], `${hostname} on its previous kernel`);
    const locks = await cli<{ plan: { hostCount: number } }>(['rollout', 'plan', writeSpec('after-abort', '5.15.0-205-netkit', hosts), '--dry-run']);
    assert.equal(locks.json.result.plan.hostCount, 4, 'the aborted rollout freed its hosts');
  });

  test('a Prometheus gate over its threshold halts the rollout after the canary (fail closed on a real Prometheus)', async () => {
    const exporter = await startExporter('fleetwave_test_error_ratio');
    exporter.set(0.5);
    const prometheus = await startPrometheus(path.join(dir, 'prometheus-bad'), exporter.port);
    try {
      await waitForValue(prometheus.url, 'fleetwave_test_error_ratio', 0.5);
      const hosts = range(15, 16);
      await plan(writeSpec('gated', '5.15.0-210-netkit', hosts, { gates: [{ name: 'error ratio', prometheus: { url: prometheus.url, query: 'fleetwave_test_error_ratio', max: 0.1 } }] }));
      const end = await startRun('gated').done;
      assert.equal(end.code, 8, end.stderr);
      assert.equal(end.json!.result.status, 'halted');
      assert.match(end.stderr, /health gate failed: gate error ratio: \{.*\}=0.5 not <= 0.1/);
      const status = await statusOf('gated');
      assert.deepEqual(
        Object.values(status.hosts)
          .map((state) => state.status)
          .sort(),
        ['pending', 'succeeded'],
      );
    } finally {
      prometheus.stop();
      await exporter.close();
    }
    // A gate that cannot be read at all is unhealthy too: Prometheus is gone now.
    const resumed = await cli(['rollout', 'resume', 'gated', '--reason', 'retry']);
    assert.equal(resumed.code, 0);
    const end = await startRun('gated').done;
    assert.equal(end.json!.result.status, 'halted');
    assert.match(end.stderr, /could not read the gate \(fail closed\)/);
  });

  test('a kernel without netkit fails the playbook on the canary, which comes back on its previous kernel', async () => {
    const hosts = range(19, 20);
    const previous = kernelOf(name(19));
    await plan(writeSpec('no-netkit', '5.15.0-211-nonetkit', hosts, { canary: [name(19)] }, { netkit: false }));
    const end = await startRun('no-netkit').done;
    assert.equal(end.code, 8, end.stderr);
    assert.equal(end.json!.result.status, 'halted');
    assert.match(end.json!.result.failed[0]!.reason, /netkit and tcx usable on the new kernel: exit 1: CONFIG_NETKIT is not set/);
    assert.deepEqual([kernelOf(name(19)), defaultOf(name(19))], [previous, previous]);
    assert.equal((await statusOf('no-netkit')).hosts[name(20)]!.status, 'pending');
  });

  test('a host that failed between grub-reboot and the reboot is rolled back fully: the one-shot entry cleared, the package removed, verified', async () => {
    const [host] = range(4, 4);
    const previous = kernelOf(host!);
    const before = reboots([host!]);
    const playbook = variantPlaybook('fails-after-grub-reboot.yaml', '  - name: something fails here\n    check: "false"\n');
    await plan(writeSpec('one-shot-left', '5.15.0-214-netkit', [host!], { playbook, canary: [host] }));
    const end = await startRun('one-shot-left').done;
    assert.equal(end.code, 8, end.stderr);
    assert.deepEqual(
      end.json!.result.failed.map((failed) => [failed.hostname, failed.status]),
      [[host, 'rolled-back']],
    );
    assert.equal(onceOf(host!), '', 'no one-shot entry is left for the next ordinary reboot');
    assert.deepEqual([kernelOf(host!), defaultOf(host!)], [previous, previous]);
    assert.equal(existsSync(path.join(labDir, 'hosts', host!, 'boot', 'vmlinuz-5.15.0-214-netkit')), false, 'the package the rollout installed is removed');
    assert.equal(existsSync(path.join(labDir, 'hosts', host!, 'var-tmp', 'fleetwave-one-shot-left.deb')), false, 'the uploaded package is cleaned up');
    assert.equal(existsSync(path.join(labDir, 'hosts', host!, 'var-tmp')), true);
    assert.deepEqual(reboots([host!]), before, 'nothing needed a reboot');
    const verified = (await events('rollout.host.rollback-verified')).filter((event) => event.host === host);
    assert.equal(verified.at(-1)!.details.restored, true);
    assert.match(String(verified.at(-1)!.details.detail), /next-boot \(one-shot\) entry none/);
    const shown = await cli<{ host: { nextBootKernel: string | null; runningKernel: string } }>(['fleet', 'show', host!]);
    assert.deepEqual([shown.json.result.host.nextBootKernel, shown.json.result.host.runningKernel], [null, previous], 'the inventory holds what the verification probe saw');
  });

  test('abort landing between grub-reboot and the reboot: the host is rolled back with no one-shot entry left', async () => {
    const hosts = range(1, 2);
    const release = path.join(dir, 'release-abort');
    const playbook = variantPlaybook('held-after-grub-reboot.yaml', `  - name: held\n    wait_for: { run: "test -e ${release}", timeout: 60s, interval: 1s }\n`);
    const previous = Object.fromEntries(hosts.map((hostname) => [hostname, kernelOf(hostname)]));
    const before = reboots(hosts);
    await plan(writeSpec('abort-one-shot', '5.15.0-215-netkit', hosts, { playbook, canary: 0, waves: ['100%'], parallel: 2 }));
    const run = startRun('abort-one-shot');
    await run.waitFor(/boot the new kernel once: ok/);
    assert.ok(
      hosts.some((hostname) => onceOf(hostname) === '5.15.0-215-netkit'),
      'a one-shot entry is pending',
    );
    const aborted = await cli<{ to: string }>(['rollout', 'abort', 'abort-one-shot', '--reason', 'wrong build, INC-7']);
    assert.equal(aborted.json.result.to, 'aborted');
    await run.waitFor(/waiting: aborting|rollback: /);
    writeFileSync(release, 'go');
    const end = await run.done;
    assert.equal(end.code, 8, end.stderr);
    const status = await statusOf('abort-one-shot');
    for (const hostname of hosts) {
      assert.equal(status.hosts[hostname]!.status, 'rolled-back', hostname);
      assert.equal(onceOf(hostname), '', `${hostname}: the one-shot entry is cleared`);
      assert.deepEqual([kernelOf(hostname), defaultOf(hostname)], [previous[hostname], previous[hostname]]);
    }
    assert.deepEqual(reboots(hosts), before, 'neither host rebooted');
    await auditVerifies();
  });

  test('a reboot that never comes back: the rollback fails saying what it could not undo, the host is quarantined; after a power cycle `rollout rollback` retries it and lifts the quarantine', async () => {
    const [host] = range(3, 3);
    const previous = kernelOf(host!);
    const playbook = variantPlaybook('short-reboot.yaml', '');
    assert.equal((await cli(['lab', 'fault', host!, 'reboot-hangs', '--lab-dir', labDir])).code, 0);
    await plan(writeSpec('hangs', '5.15.0-216-netkit', [host!], { playbook, canary: [host] }));
    const end = await startRun('hangs', ['--connect-timeout', '2']).done;
    assert.equal(end.code, 8, end.stderr);
    const [failed] = end.json!.result.failed;
    assert.deepEqual([failed!.hostname, failed!.status], [host, 'rollback-failed']);
    assert.match(failed!.reason, /reboot into it: the host did not come back within 8s; rollback failed: clear the one-shot boot entry: unreachable/);
    assert.match(failed!.reason, /not undone: .*"install the package" \(ran\), "boot the new kernel once" \(ran\), "reboot into it" \(may have run\)/);
    const quarantined = await cli<{ host: { labels: Record<string, string> } }>(['fleet', 'show', host!]);
    assert.equal(quarantined.json.result.host.labels['fleetwave/quarantine'], 'rollback failed in rollout hangs');
    assert.equal(onceOf(host!), '5.15.0-216-netkit', 'the hung host still has its one-shot entry: it boots the new kernel when it comes back');

    // The operator fixes the machine and cycles its power: it boots the one-shot kernel.
    assert.equal((await cli(['lab', 'fault', host!, 'reboot-hangs', '--clear', '--lab-dir', labDir])).code, 0);
    const cycled = await cli<{ up: boolean; kernel: string }>(['lab', 'power-cycle', host!, '--lab-dir', labDir]);
    assert.deepEqual([cycled.code, cycled.json.result.up, cycled.json.result.kernel], [0, true, '5.15.0-216-netkit']);
    const retried = await cli<{ to: string; rollbacksRetried: number }>(['rollout', 'rollback', 'hangs', '--reason', 'host repaired, INC-8']);
    assert.deepEqual([retried.code, retried.json.result.to, retried.json.result.rollbacksRetried], [0, 'rolling-back', 1]);
    const again = await startRun('hangs').done;
    assert.equal(again.code, 8, again.stderr);
    assert.equal(again.json!.result.status, 'rolled-back');
    assert.equal((await statusOf('hangs')).hosts[host!]!.status, 'rolled-back');
    assert.deepEqual([kernelOf(host!), defaultOf(host!), onceOf(host!)], [previous, previous, '']);
    const released = await cli<{ host: { labels: Record<string, string> } }>(['fleet', 'show', host!]);
    assert.equal(released.json.result.host.labels['fleetwave/quarantine'], undefined, 'the quarantine this rollout set is lifted');
    assert.equal((await events('host.unquarantined')).at(-1)!.host, host);
    // Nothing is left to retry now: a rolled-back rollout refuses another rollback.
    const refused = await cli(['rollout', 'rollback', 'hangs', '--reason', 'again']);
    assert.equal(refused.code, 5);
    await auditVerifies();
  });

  test("drain on: each node is cordoned and drained (real kubectl, a stand-in API) before its reboot and uncordoned after; a failed host's rollback uncordons it", async () => {
    ensureKubectl();
    const kube = await startKubeStandIn(dir);
    const [good, bad] = [name(11), name(12)];
    const previous = kernelOf(bad);
    assert.equal((await cli(['lab', 'fault', bad, 'bad-kernel', '--value', '5.15.0-217-netkit', '--lab-dir', labDir])).code, 0);
    try {
      await plan(
        writeSpec('drained', '5.15.0-217-netkit', [good, bad], {
          canary: [good],
          vars: {
            package: path.relative(dir, buildKernelDeb(path.join(dir, 'packages'), '5.15.0-217-netkit', { netkit: true })),
            health_check: 'fleetwave-health',
            drain: 'true',
            drain_timeout: '30s',
          },
        }),
      );
      const end = await startRun('drained', [], { KUBECONFIG: kube.kubeconfig, KUBECACHEDIR: path.join(dir, 'kube-cache') }).done;
      assert.equal(end.code, 8, end.stderr);
      assert.deepEqual(
        end.json!.result.failed.map((failed) => [failed.hostname, failed.status]),
        [[bad, 'rolled-back']],
      );
      assert.deepEqual(
        kube.changes.filter(([node]) => node === good),
        [
          [good, true],
          [good, false],
        ],
        'cordoned once, uncordoned once',
      );
      assert.ok(
        kube.requests.some((request) => request.startsWith('GET /api/v1/pods') && decodeURIComponent(request).includes(`spec.nodeName=${good}`)),
        'kubectl drain listed the pods on the node',
      );
      const steps = (await events('rollout.host.step')).filter((event) => event.host === good).map((event) => event.details.name);
      assert.ok(steps.indexOf('drain the node') < steps.indexOf('reboot into it') && steps.indexOf('make it the default') < steps.indexOf('uncordon the node'), steps.join(' > '));
      // The failed host: drained, booted the bad kernel (fell back), then its rollback drained it again (a reboot back may be needed) and uncordoned it.
      assert.deepEqual(kube.changes.filter(([node]) => node === bad).at(-1), [bad, false]);
      assert.equal(kube.schedulable(good) && kube.schedulable(bad), true, 'no node is left cordoned');
      const rollback = (await events('rollout.host.rollback')).filter((event) => event.host === bad).map((event) => [event.details.name, event.details.outcome]);
      assert.deepEqual(
        rollback.find(([step]) => step === 'uncordon the node'),
        ['uncordon the node', 'ok'],
      );
      assert.equal(kernelOf(bad), previous);
      // Resumed, the rollout completes with the failed host rolled back: that is not a plain success.
      assert.equal((await cli(['rollout', 'resume', 'drained', '--reason', 'bad kernel on one host, known'])).code, 0);
      const resumed = await startRun('drained', [], { KUBECONFIG: kube.kubeconfig, KUBECACHEDIR: path.join(dir, 'kube-cache') }).done;
      assert.equal(resumed.code, 7, resumed.stderr);
      assert.equal(resumed.json!.result.status, 'completed');
      assert.deepEqual(
        resumed.json!.result.failed.map((failed) => failed.hostname),
        [bad],
      );
      assert.match((resumed.json as unknown as { warnings: string[] }).warnings.join('\n'), /completed, but 1 hosts are not on 5.15.0-217-netkit: they failed and were rolled back/);
    } finally {
      await cli(['lab', 'fault', bad, 'bad-kernel', '--clear', '--lab-dir', labDir]);
      await kube.close();
    }
  });

  test('a canary unreachable from the start fails, has nothing to undo, and is not quarantined', async () => {
    const hosts = range(17, 18);
    assert.equal((await cli(['lab', 'fault', name(17), 'unreachable', '--lab-dir', labDir])).code, 0);
    try {
      await plan(writeSpec('unreachable', '5.15.0-213-netkit', hosts, { canary: [name(17)] }));
      const end = await startRun('unreachable', ['--connect-timeout', '2']).done;
      assert.equal(end.code, 8, end.stderr);
      assert.equal(end.json!.result.status, 'halted');
      assert.deepEqual(
        end.json!.result.failed.map((host) => [host.hostname, host.status]),
        [[name(17), 'rolled-back']],
      );
      assert.match(end.json!.result.failed[0]!.reason, /before any change: cannot read the host's state to restore it later: unreachable/);
      assert.match(end.stderr, /rollback: .*skipped - nothing to undo: no step changed the host/);
      const shown = await cli<{ host: { labels: Record<string, string> } }>(['fleet', 'show', name(17)]);
      assert.equal(shown.json.result.host.labels['fleetwave/quarantine'], undefined, 'nothing failed to roll back, so nothing is quarantined');
    } finally {
      await cli(['lab', 'fault', name(17), 'unreachable', '--clear', '--lab-dir', labDir]);
    }
  });
});
