import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, runCliJsonAsync } from './support/cli.js';
import { CLI, REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

/**
 * A CNI rollout with the shipped cni-netkit playbook on three QEMU guests booting Debian's real
 * 6.12 kernel (netkit built in): the node datapath uploaded and installed, the mode flipped, and
 * `cni verify --require-netkit` run from the control host as each node's health check. One node has
 * a stale pin where the plugin pins netkit program links (what an older datapath could leave), so
 * its netkit pods cannot keep their program and fall back to veth: its matrix fails on netkit, it
 * is rolled back (new pods get veth again, and the matrix passes on veth), and the rollout halts on
 * its failure budget.
 */
const dir = tempDir('fleetwave-vm-cni-');
const env = { FLEETWAVE_DB: path.join(dir, 'fleet.db'), FLEETWAVE_LAB_REGISTRY: path.join(dir, 'registry') };
let sshConfig = '';
const cli = <T = unknown>(args: string[]) => runCliJsonAsync<T>(args, { env: { ...env, FLEETWAVE_SSH_CONFIG: sshConfig } });
const onHost = async (hostname: string, command: string) => {
  const run = await cli<{ results: { stdout: string; exitCode: number }[] }>(['fleet', 'exec', `hostname=${hostname}`, '--', command]);
  return run.json.result.results[0]!;
};

/** The CNI rollout spec the tests plan: the shipped playbook, a cniVerify gate, budget 0. */
function writeSpec(name: string, canary: string[] | number): string {
  const spec = path.join(dir, `${name}.yaml`);
  writeFileSync(
    spec,
    JSON.stringify({
      name,
      kind: 'cni',
      target: 'netkit',
      selector: 'lab=cnilab',
      playbook: 'cni-netkit',
      canary,
      waves: ['100%'],
      parallel: 2,
      soak: '1s',
      checkInterval: '1s',
      failureBudget: { perWave: 0, overall: 0, onSpent: 'pause' },
      // A wave gate: the nodes already on netkit keep passing their matrix, across nodes too.
      gates: [{ name: 'netkit nodes keep their matrix', cniVerify: { selector: 'cni=netkit' }, timeout: '3m' }],
      vars: { datapath: path.relative(dir, path.join(REPO_ROOT, 'bpf')) },
    }),
  );
  return spec;
}

describe('a CNI rollout on real netkit (VM lab)', { concurrency: false }, () => {
  const labDir = path.join(dir, 'lab');
  before(async () => {
    execFileSync('sh', [path.join(REPO_ROOT, 'bpf', 'build.sh')], { stdio: 'ignore' });
    const up = await cli<{ sshConfig: string }>(['lab', 'up', '--vm', '--hosts', '3', '--name', 'cnilab', '--lab-dir', labDir]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    sshConfig = up.json.result.sshConfig;
    const probe = await cli(['fleet', 'probe', 'lab=cnilab']);
    assert.equal(probe.code, 0, probe.stdout);
  });
  after(async () => {
    // A halted rollout holds its hosts, and lab down refuses while it does: end it first.
    for (const rollout of ['cni-lab', 'cni-lab-2']) await cli(['rollout', 'abort', rollout, '--reason', 'test cleanup']);
    const down = await cli(['lab', 'down', '--lab-dir', labDir]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
  });

  test('canary, then a wave; the node whose matrix fails is rolled back to veth and the rollout halts on its budget; the others record netkit', async () => {
    execFileSync('scp', ['-q', '-F', sshConfig, path.join(REPO_ROOT, 'bpf', 'out', 'acl.bpf.o'), 'cnilab-h003:/tmp/stale.bpf.o']);
    const staled = await onHost('cnilab-h003', 'mkdir -p /sys/fs/bpf/fleetwave && bpftool prog load /tmp/stale.bpf.o /sys/fs/bpf/fleetwave/links type tc');
    assert.equal(staled.exitCode, 0, JSON.stringify(staled));
    const spec = writeSpec('cni-lab', ['cnilab-h001']);
    const planned = await cli(['rollout', 'plan', spec]);
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    const run = await cli<{ status: string; failed: { hostname: string; status: string; reason: string }[] }>(['rollout', 'run', 'cni-lab']);
    assert.equal(run.json.result.status, 'halted', run.stdout);
    assert.match(run.stdout, /failure budget spent/);
    assert.deepEqual(
      run.json.result.failed.map((host) => [host.hostname, host.status]),
      [['cnilab-h003', 'rolled-back']],
    );
    assert.match(run.json.result.failed[0]!.reason, /the veth\/netkit matrix passes on the node/);

    const status = await cli<{ hosts: { hostname: string; state: { status: string } }[] }>(['rollout', 'status', 'cni-lab']);
    const states = Object.fromEntries(status.json.result.hosts.map((host) => [host.hostname, host.state.status]));
    assert.equal(states['cnilab-h001'], 'succeeded', 'the canary passed its matrix');
    assert.equal(states['cnilab-h003'], 'rolled-back');

    const modes = await cli<{ results: { hostname: string; stdout: string }[] }>(['fleet', 'exec', 'lab=cnilab', '--', 'cat /etc/fleetwave/cni-mode 2>/dev/null || echo none']);
    const mode = Object.fromEntries(modes.json.result.results.map((result) => [result.hostname, result.stdout.trim()]));
    assert.equal(mode['cnilab-h001'], 'netkit');
    assert.equal(mode['cnilab-h003'], 'none', 'the rollback removed the mode file it had created');
    if (states['cnilab-h002'] === 'succeeded') assert.equal(mode['cnilab-h002'], 'netkit');
    const programs = await cli<{ results: { hostname: string; stdout: string }[] }>([
      'fleet',
      'exec',
      'lab=cnilab',
      '--',
      'test -e /sys/fs/bpf/fleetwave/acl/prog && echo loaded || echo unloaded; if [ -e /sys/fs/bpf/fleetwave/links ] && [ ! -d /sys/fs/bpf/fleetwave/links ]; then echo stale-pin-kept; fi',
    ]);
    const program = Object.fromEntries(programs.json.result.results.map((result) => [result.hostname, result.stdout.trim().split('\n')]));
    assert.deepEqual(program['cnilab-h001'], ['loaded'], 'a migrated node keeps its ACL program');
    assert.deepEqual(program['cnilab-h003'], ['unloaded', 'stale-pin-kept'], 'the rollback unloaded the program it had loaded, and left the pin fleetwave did not make');

    const shown = await cli<{ host: { cniMode: string | null } }>(['fleet', 'show', 'cnilab-h001']);
    assert.equal(shown.json.result.host.cniMode, 'netkit', 'a host that succeeded records its datapath mode');

    const verified = await cli<{ events: { host: string; details: { failed: number; ok: number } }[] }>(['audit', 'log', '--action', 'host.cni-verified', '--limit', '0']);
    const byHost = (hostname: string) => verified.json.result.events.filter((event) => event.host === hostname);
    assert.ok(
      byHost('cnilab-h001').some((event) => event.details.failed === 0 && event.details.ok > 0),
      "the canary's matrix passed, with cells really probed",
    );
    assert.ok(
      byHost('cnilab-h003').some((event) => event.details.failed > 0),
      "h003's matrix failed on netkit",
    );
    assert.ok(
      byHost('cnilab-h003').some((event) => event.details.failed === 0 && event.details.ok > 0),
      'and passed on veth after the rollback',
    );
    const fallback = await onHost('cnilab-h003', 'tail -n 1 /var/log/fleetwave/cni-fallback.log');
    assert.match(JSON.parse(fallback.stdout).reason, /^netkit program: .*cannot pin the link/);
    const health = await cli<{ events: { details: { gates: { gate: string; healthy: boolean; detail: string }[] } }[] }>(['audit', 'log', '--action', 'rollout.health-read', '--limit', '0']);
    const readings = health.json.result.events.flatMap((event) => event.details.gates);
    assert.ok(readings.length > 0 && readings.every((reading) => reading.gate === 'netkit nodes keep their matrix'), JSON.stringify(readings));
    assert.ok(
      readings.some((reading) => reading.healthy && /cni verify cni=netkit: [1-9]\d* ok, 0 failed, 0 not testable/.test(reading.detail)),
      JSON.stringify(readings),
    );
    // Mid-migration a node runs both kinds of pods: one made while the mode said netkit, one asked for veth.
    const add = (pod: string, args: string) =>
      `ip netns add ${pod} && CNI_COMMAND=ADD CNI_CONTAINERID=${pod} CNI_NETNS=/run/netns/${pod} CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin CNI_ARGS='${args}' /opt/cni/bin/fleetwave-cni < /etc/cni/net.d/10-fleetwave.conf >/dev/null`;
    const made = await onHost('cnilab-h001', `${add('mixveth', 'IgnoreUnknown=1;FLEETWAVE_DEVICE=veth')} && ${add('mixnetkit', 'IgnoreUnknown=1')}`);
    assert.equal(made.exitCode, 0, JSON.stringify(made));
    const probed = await cli<{ probed: { pods: { veth: number; netkit: number } | null; cniMode: string }[] }>(['fleet', 'probe', 'hostname=cnilab-h001']);
    assert.deepEqual([probed.json.result.probed[0]!.cniMode, probed.json.result.probed[0]!.pods], ['netkit', { veth: 1, netkit: 1 }]);
    const table = runCli(['fleet', 'probe', 'hostname=cnilab-h001'], { env: { ...env, FLEETWAVE_SSH_CONFIG: sshConfig } });
    assert.match(table.stdout, /mixed \(1 veth, 1 netkit\)/);
    const audit = await cli(['audit', 'verify']);
    assert.equal(audit.code, 0, audit.stdout);
  });

  test('kill -9 of the runner mid-node: the next run resumes where the ledger says, and the node is switched once', async () => {
    // The first rollout is ended and h003's stale pin removed: a second rollout takes h003 (the others are on netkit already).
    await cli(['rollout', 'abort', 'cni-lab', '--reason', 'a second rollout takes over']);
    assert.equal((await onHost('cnilab-h003', 'rm /sys/fs/bpf/fleetwave/links')).exitCode, 0);
    const planned = await cli<{ plan: { hostCount: number } }>(['rollout', 'plan', writeSpec('cni-lab-2', 1)]);
    assert.equal(planned.code, 0, planned.stdout);
    assert.equal(planned.json.result.plan.hostCount, 1, 'only h003 still needs netkit');

    const runner = spawn(process.execPath, [CLI, 'rollout', 'run', 'cni-lab-2', '--json', '--progress', 'lines', '--lease-ttl', '5'], {
      env: { ...process.env, ...env, FLEETWAVE_SSH_CONFIG: sshConfig },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<string | null>((resolve) => runner.on('close', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      runner.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/new pods get netkit: ok/.test(seen)) resolve();
      });
      void exited.then(() => reject(new Error(`the runner ended before switching the node:\n${seen}`)));
    });
    runner.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const resumed = await cli<{ status: string; hosts: Record<string, number> }>(['rollout', 'run', 'cni-lab-2']);
    assert.equal(resumed.json.result.status, 'completed', resumed.stdout + resumed.stderr);
    assert.deepEqual(resumed.json.result.hosts, { succeeded: 1 });
    const steps = await cli<{ events: { host: string; subject: string; details: { name: string; outcome: string } }[] }>(['audit', 'log', '--action', 'rollout.host.step', '--limit', '0']);
    const flips = steps.json.result.events.filter((event) => event.subject === 'rollout:cni-lab-2' && event.details.name === 'new pods get netkit');
    assert.deepEqual(
      flips.map((event) => [event.host, event.details.outcome]),
      [['cnilab-h003', 'ok']],
      'the mode was switched once, by the runner that was killed',
    );
    assert.equal((await onHost('cnilab-h003', 'cat /etc/fleetwave/cni-mode')).stdout.trim(), 'netkit');
  });
});
