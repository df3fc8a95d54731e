import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rolloutLab } from './support/rollout-lab.js';

/**
 * `rollout run` end to end on a real lab fleet of its own (see support/rollout-lab.ts): on-call
 * control and a runner that stops: pause and resume, freezes and windows, racing and killed
 * runners, Ctrl-C. Rollbacks are in rollout-rollback.test.ts, on a lab of their own. Needs root,
 * as CI has.
 */
const { range, cli, kernelOf, defaultOf, rebootsOf, reboots, writeSpec, plan, startRun, statusOf, auditVerifies, events, labName, up, down } = rolloutLab('rrlab');

describe('rollout run on the lab fleet: on-call control, stopped runners', { concurrency: false }, () => {
  before(up);
  after(down);

  test('pause and resume from a second process: the runner stops dispatching, then finishes', async () => {
    const hosts = range(15, 18);
    await plan(writeSpec('pausing', '5.15.0-204-netkit', hosts, { parallel: 1, canary: 1, waves: ['100%'] }));
    const run = startRun('pausing');
    await run.waitFor(new RegExp(`${labName}-h01\\d: running \\(batch`));
    const paused = await cli<{ to: string; runnerActive: boolean; inFlightHosts: number }>(['rollout', 'pause', 'pausing', '--reason', 'error budget burn, INC-2']);
    assert.deepEqual([paused.code, paused.json.result.to, paused.json.result.runnerActive], [0, 'paused', true]);
    assert.ok(paused.json.result.inFlightHosts >= 1, 'the pause says how many hosts are in flight (they finish their playbook)');
    await run.waitFor(/rollout paused: error budget burn, INC-2 \(requested by an operator\)/);
    await run.waitFor(/waiting: paused/);
    const observed = await events('rollout.runner-observed');
    assert.equal(observed.at(-1)!.details.to, 'paused');
    assert.equal(typeof observed.at(-1)!.details.latencyMs, 'number');
    // Whatever was in flight finishes; nothing new is dispatched while paused.
    const settledWhilePaused = async () => {
      for (;;) {
        const status = await statusOf('pausing');
        if (!Object.values(status.hosts).some((state) => state.status === 'running' || state.status === 'verifying')) return status;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };
    const whilePaused = await settledWhilePaused();
    const started = Object.values(whilePaused.hosts).filter((state) => state.status !== 'pending').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await statusOf('pausing');
    assert.equal(Object.values(later.hosts).filter((state) => state.status !== 'pending').length, started, 'nothing dispatched while paused');
    assert.ok(started < hosts.length);
    const resumed = await cli<{ to: string }>(['rollout', 'resume', 'pausing', '--reason', 'INC-2 was not the kernel']);
    assert.equal(resumed.json.result.to, 'running');
    const end = await run.done;
    assert.equal(end.code, 0, end.stderr);
    assert.deepEqual(end.json!.result.hosts, { succeeded: 4 });
  });

  test('a fleet freeze holds dispatch until unfreeze', async () => {
    const hosts = range(19, 20);
    await plan(writeSpec('frozen', '5.15.0-206-netkit', hosts));
    assert.equal((await cli(['freeze', '--reason', 'holiday change freeze'])).code, 0);
    const run = startRun('frozen');
    try {
      await run.waitFor(/waiting: fleet frozen: holiday change freeze/);
      const status = await statusOf('frozen');
      assert.deepEqual(
        Object.values(status.hosts).map((state) => state.status),
        ['pending', 'pending'],
      );
      const second = await cli(['freeze', '--reason', 'again']);
      assert.equal(second.code, 5, 'a second freeze is refused, naming the first');
    } finally {
      assert.equal((await cli(['unfreeze', '--reason', 'freeze over'])).code, 0);
    }
    const end = await run.done;
    assert.equal(end.code, 0, end.stderr);
    assert.deepEqual(end.json!.result.hosts, { succeeded: 2 });
  });

  test('a maintenance window that is closed blocks dispatch', async () => {
    const hosts = range(1, 4);
    const tomorrow = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getUTCDay() + 1) % 7];
    await plan(writeSpec('windowed', '5.15.0-207-netkit', hosts, { maintenanceWindows: [{ days: [tomorrow], start: '00:00', end: '23:59', timezone: 'UTC' }] }));
    const before = reboots(hosts);
    const run = startRun('windowed');
    await run.waitFor(/waiting: outside every maintenance window/);
    assert.deepEqual(
      Object.values((await statusOf('windowed')).hosts).map((state) => state.status),
      ['pending', 'pending', 'pending', 'pending'],
    );
    await cli(['rollout', 'abort', 'windowed', '--reason', 'not this week']);
    const end = await run.done;
    assert.equal(end.json!.result.status, 'aborted');
    assert.deepEqual(reboots(hosts), before, 'no host was touched');
  });

  test('two runners racing for one rollout: exactly one runs it, the other exits 5', async () => {
    const hosts = range(5, 6);
    await plan(writeSpec('racing', '5.15.0-208-netkit', hosts));
    const [first, second] = await Promise.all([startRun('racing').done, startRun('racing').done]);
    const codes = [first.code, second.code].sort();
    assert.deepEqual(codes, [0, 5], first.stderr + second.stderr);
    const loser = first.code === 5 ? first : second;
    assert.equal(loser.json!.error!.code, 'ROLLOUT_RUNNING');
    assert.match(loser.json!.error!.message, /already being run by pid \d+/);
    // Only the winner took the lease: one start for this rollout, by a live pid over SSH.
    const starts = await events('rollout.runner-started', 'racing');
    assert.deepEqual(
      starts.map((event) => [typeof event.details.pid, event.details.transport]),
      [['number', 'ssh']],
    );
  });

  test('kill -9 of the runner at several points, then run again: every host changed once, rebooted once, nothing lost', async () => {
    const hosts = range(11, 14);
    const before = reboots(hosts);
    await plan(writeSpec('killed', '5.15.0-209-netkit', hosts, { canary: 1, waves: ['100%'], parallel: 3, soak: '2s' }));
    const points = [/upload the package: ok/, /boot the new kernel once: ok/, /soaking/, new RegExp(`wave 1 ${labName}-h01\\d: running \\(batch`), /reboot into it: ok/];
    let takeovers = 0;
    const progress: string[] = [];
    for (const point of points) {
      const run = startRun('killed');
      try {
        await run.waitFor(point);
      } catch {
        break; // it finished before reaching this point
      }
      if (point.source.includes('boot the new kernel once')) await new Promise((resolve) => setTimeout(resolve, 800)); // mid-reboot
      run.child.kill('SIGKILL');
      const killed = await run.done;
      assert.equal(killed.signal, 'SIGKILL');
      progress.push(killed.stderr);
      takeovers += 1;
    }
    assert.ok(takeovers >= 3, `killed at ${takeovers} points`);
    const end = await startRun('killed').done;
    assert.equal(end.code, 0, end.stderr);
    assert.equal(end.json!.result.status, 'completed');
    assert.match(end.json!.result.tookOverFrom ?? '', /^pid \d+/);
    for (const hostname of hosts) {
      assert.deepEqual([kernelOf(hostname), defaultOf(hostname)], ['5.15.0-209-netkit', '5.15.0-209-netkit'], hostname);
      assert.equal(rebootsOf(hostname) - before[hostname]!, 1, `${hostname} rebooted exactly once across ${takeovers + 1} runners`);
    }
    const verified = (await events('rollout.host.step', 'killed')).filter((event) => /the reboot a previous runner issued/.test(String(event.details.detail)));
    assert.ok(verified.length >= 1, 'a reboot left in flight by a killed runner was verified by boot id, not repeated');
    assert.match(
      [...progress, end.stderr].join('\n'),
      /a previous runner issued this reboot, or died just before: waiting for a new boot id, at most \d+s more while the old boot id answers/,
      'the runner says what it waits for, and how long',
    );
    await auditVerifies();
  });

  test('Ctrl-C stops the runner cleanly after the steps in flight, frees its lease, and the next run finishes the job', async () => {
    // h015/16 stay locked by the halted Prometheus-gated rollout above; h005/6 are free again.
    const hosts = range(5, 6);
    const before = reboots(hosts);
    await plan(writeSpec('interrupted', '5.15.0-212-netkit', hosts, { canary: 0, waves: ['100%'], parallel: 2 }));
    const run = startRun('interrupted');
    await run.waitFor(/install the package: ok/);
    run.child.kill('SIGINT');
    const end = await run.done;
    assert.equal(end.code, 8, end.stderr);
    assert.deepEqual([end.json!.result.status, end.json!.result.stoppedBecause], ['running', 'interrupted']);
    assert.match(end.stderr, /SIGINT: stopping after the steps in flight/);
    const status = await cli<{ runner: unknown; hosts: { state: { status: string } }[] }>(['rollout', 'status', 'interrupted']);
    assert.equal(status.json.result.runner, null, 'the lease is released: the next runner need not wait for it to expire');
    assert.ok(
      status.json.result.hosts.every((host) => host.state.status === 'running' || host.state.status === 'succeeded'),
      JSON.stringify(status.json.result.hosts),
    );
    const resumed = await startRun('interrupted').done;
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(resumed.json!.result.hosts, { succeeded: 2 });
    for (const hostname of hosts) assert.equal(rebootsOf(hostname) - before[hostname]!, 1, `${hostname} rebooted once`);
  });
});
