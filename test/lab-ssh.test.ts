import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { hostDirectory, startHostSshd, waitForPort22 } from '../src/adapters/lab/lab-hosts.js';
import { loadSshConfig, localEnvironment } from '../src/adapters/ssh/ssh-config-files.js';
import { SshExecutor } from '../src/adapters/ssh/ssh-executor.js';
import { isLabAddress, planLab } from '../src/lab/layout.js';
import { resolveConnection } from '../src/ssh/connection-settings.js';
import { runCli, runCliJson, runCliJsonAsync } from './support/cli.js';
import { tempDir } from './support/temp.js';
import { buildDeb, buildKernelDeb } from './support/kernel-deb.js';

/**
 * Real sshd hosts in real network namespaces (fleetwave lab), reached through the real CLI.
 * Needs root, as CI has; the lab installs openssh-server itself when it is missing.
 */
const HOSTS = 6;
const dir = tempDir('fleetwave-lab-test-');
const labDir = path.join(dir, 'lab');
const db = path.join(dir, 'fleet.db');
const sshConfig = path.join(labDir, 'ssh_config');

interface ExecJson {
  hosts: number;
  ok: number;
  failed: number;
  errors: number;
  groups: { hostnames: string[]; status: string; output: string; errorKind: string | null }[];
  results: { hostname: string; status: string; exitCode: number | null; stdout: string; stdoutTruncated: boolean; error: { kind: string; message: string } | null }[];
}

function exec(selector: string, command: string, extra: string[] = [], env: Record<string, string> = {}) {
  return runCliJson<ExecJson>(['fleet', 'exec', selector, '--db', db, ...extra, '--', command], { env: { FLEETWAVE_SSH_CONFIG: sshConfig, ...env } });
}

function resultFor(run: { json: { result: ExecJson } }, hostname: string) {
  return run.json.result.results.find((result) => result.hostname === hostname)!;
}

let slot = -1;

/** Test setup only: takes a deliberately broken host back out of the shared inventory. */
function removeHostRow(hostname: string): void {
  const handle = new BetterSqlite3(db);
  handle.prepare('DELETE FROM hosts WHERE hostname = ?').run(hostname);
  handle.close();
}

describe('the lab fleet over real SSH', () => {
  before(() => {
    const up = runCliJson<{ slot: number; hosts: { hostname: string }[] }>(['lab', 'up', '--hosts', String(HOSTS), '--name', 'tlab', '--lab-dir', labDir, '--db', db]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    slot = up.json.result.slot;
  });

  after(() => {
    const down = runCliJson<{ namespacesRemoved: number }>(['lab', 'down', '--lab-dir', labDir, '--db', db]);
    assert.equal(down.code, 0, down.stdout);
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.startsWith(`fwlab${slot}-`));
    assert.deepEqual(left, [], 'lab down leaves no namespace behind');
  });

  test('lab up registers every host with zones and racks spread, and status sees them all', () => {
    const status = runCliJson<{ hosts: { sshd: string; netns: boolean }[] }>(['lab', 'status', '--lab-dir', labDir]);
    assert.equal(status.json.result.hosts.length, HOSTS);
    assert.ok(status.json.result.hosts.every((host) => host.sshd === 'up' && host.netns));
    const list = runCliJson<{ hosts: { zone: string; labels: Record<string, string> }[] }>(['fleet', 'list', '--db', db, '--where', 'lab=tlab']);
    assert.equal(list.json.result.hosts.length, HOSTS);
    assert.deepEqual([...new Set(list.json.result.hosts.map((host) => host.zone))].sort(), ['lab-a', 'lab-b', 'lab-c']);
  });

  test('the lab stays inside its own range: no route out of a lab host, and an unreachable route for the range', () => {
    const layout = planLab('tlab', slot, HOSTS);
    assert.ok(layout.hosts.every((host) => isLabAddress(host.address)));
    assert.match(execFileSync('ip', ['-4', 'route', 'show', 'type', 'unreachable'], { encoding: 'utf8' }), /198\.18\.0\.0\/15/);
    const host = layout.hosts[0]!;
    const routes = execFileSync('ip', ['-n', host.netns, '-4', 'route', 'show'], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(
      routes.map((route) => route.split(' ')[0]),
      [layout.subnet],
      'only the lab subnet is routable',
    );
    // A route lookup sends nothing; it proves any other destination is unreachable from the host.
    const outside = spawnSync('ip', ['-n', host.netns, 'route', 'get', '192.0.2.1'], { encoding: 'utf8' });
    assert.notEqual(outside.status, 0);
    assert.match(outside.stderr, /unreachable/i);
  });

  test('each lab host is its own machine: its own address, hostname, boot id and simulated kernel', () => {
    const run = exec('lab=tlab', 'echo $(uname -n) $(uname -r) $(cat /proc/sys/kernel/random/boot_id) $(ip -4 -o addr show eth0 | grep -o "198[.0-9]*")');
    assert.equal(run.code, 0, run.stdout);
    const lines = run.json.result.results.map((result) => result.stdout.trim().split(' '));
    assert.equal(new Set(lines.map((words) => words[2])).size, HOSTS, 'every host has its own boot id');
    const layout = planLab('tlab', slot, HOSTS);
    for (const host of layout.hosts) {
      const words = resultFor(run, host.hostname).stdout.trim().split(' ');
      assert.deepEqual([words[0], words[1], words[3]], [host.hostname, '5.15.0-91-generic', host.address]);
    }
  });

  test('identical results are grouped; a failing host makes the run exit 7', () => {
    const run = exec('lab=tlab', 'uname -r; test "$(uname -n)" != tlab-h003');
    assert.equal(run.code, 7);
    assert.equal(run.json.status, 7);
    assert.deepEqual([run.json.result.ok, run.json.result.failed, run.json.result.errors], [HOSTS - 1, 1, 0]);
    assert.deepEqual(
      run.json.result.groups.map((group) => [group.hostnames.length, group.status]),
      [
        [HOSTS - 1, 'ok'],
        [1, 'failed'],
      ],
    );
    assert.deepEqual(run.json.result.groups[1]!.hostnames, ['tlab-h003']);
    const human = runCli(['fleet', 'exec', 'lab=tlab', '--db', db, '--', 'true'], { env: { FLEETWAVE_SSH_CONFIG: sshConfig } });
    assert.equal(human.code, 0);
    assert.match(human.stdout, new RegExp(`${HOSTS} hosts: ok`));
  });

  test("after lab up nothing needs exporting: the lab's hosts answer through the config lab up recorded, even past a user config that would misroute them, and the user's own host goes by the user's config", () => {
    const home = tempDir('fleetwave-home-');
    mkdirSync(path.join(home, '.ssh'));
    const target = runCliJson<{ host: { address: string } }>(['fleet', 'show', 'tlab-h004', '--db', db]).json.result.host;
    // A host of the user's own, reachable (at a lab host's address) only through the user's config.
    writeFileSync(path.join(dir, 'mine.csv'), 'hostname\nmine-1\n');
    assert.equal(runCliJson(['fleet', 'import', path.join(dir, 'mine.csv'), '--db', db]).code, 0);
    try {
      writeFileSync(
        path.join(home, '.ssh', 'config'),
        [
          `Host mine-1`,
          `  HostName ${target.address}`,
          '  Port 22',
          '  User root',
          `  IdentityFile ${path.join(labDir, 'id_ed25519')}`,
          '  IdentitiesOnly yes',
          'Host *',
          '  User nobody',
          '  Port 1',
          '',
        ].join('\n'),
      );
      const env = { HOME: home };
      const lab = runCliJson<ExecJson>(['fleet', 'exec', 'lab=tlab', '--db', db, '--', 'true'], { env });
      assert.equal(lab.code, 0, lab.stdout);
      assert.equal(lab.json.result.ok, HOSTS, "the lab config decides for lab hosts, before the user's Host *");
      const probe = runCliJson<{ probed: unknown[] }>(['fleet', 'probe', 'lab=tlab', '--db', db], { env });
      assert.equal(probe.json.result.probed.length, HOSTS);
      const mine = runCliJson<ExecJson>(['fleet', 'exec', 'hostname=mine-1', '--db', db, '--accept-new', '--', 'uname -n'], { env });
      assert.equal(mine.code, 0, mine.stdout);
      assert.equal(resultFor(mine, 'mine-1').stdout.trim(), 'tlab-h004', "reached through the user's own Host block");
    } finally {
      removeHostRow('mine-1');
    }
  });

  test('output beyond the cap keeps its tail and says it was cut', () => {
    const run = exec('hostname=tlab-h001', "head -c 300000 /dev/zero | tr '\\0' x; echo; echo THE-END", ['--output-cap', '1024']);
    const result = resultFor(run, 'tlab-h001');
    assert.equal(result.status, 'ok');
    assert.equal(result.stdoutTruncated, true);
    assert.equal(result.stdout.length, 1024);
    assert.match(result.stdout, /THE-END\n$/);
  });

  test('a command over its timeout is abandoned and reported, not retried', () => {
    const run = exec('hostname=tlab-h002', 'sleep 30', ['--timeout', '1']);
    assert.equal(run.code, 7);
    assert.equal(resultFor(run, 'tlab-h002').error?.kind, 'timeout');
  });

  test('a host that drops the connection mid-command is reported as dropped, outcome unknown', () => {
    // The command kills its own sshd session process: the connection dies with the command in flight.
    const run = exec('hostname=tlab-h002', 'sleep 0.3; kill -9 $PPID; sleep 5');
    const result = resultFor(run, 'tlab-h002');
    assert.equal(result.status, 'error');
    assert.equal(result.error?.kind, 'dropped');
    assert.match(result.error!.message, /may or may not have completed/);
    // The host itself is fine: the next run reconnects.
    assert.equal(exec('hostname=tlab-h002', 'true').code, 0);
  });

  test('an unreachable host is retried, then reported with the reason; the others still run', () => {
    const extra = path.join(dir, 'ghost.csv');
    const layout = planLab('tlab', slot, HOSTS);
    writeFileSync(extra, `hostname,address,port,labels\ntlab-ghost,${layout.hosts[0]!.address},2222,lab=tlab\n`);
    runCliJson(['fleet', 'import', extra, '--db', db]);
    const run = exec('lab=tlab', 'true');
    assert.equal(run.code, 7);
    const ghost = resultFor(run, 'tlab-ghost');
    assert.equal(ghost.error?.kind, 'unreachable');
    assert.match(ghost.error!.message, /ECONNREFUSED.*after 3 attempts/);
    assert.equal(run.json.result.ok, HOSTS);
    // Later tests select lab=tlab again: take the ghost out of the inventory.
    removeHostRow('tlab-ghost');
  });

  test('a host key that differs from known_hosts is refused, naming the host and both fingerprints', () => {
    const knownHosts = readFileSync(path.join(labDir, 'known_hosts'), 'utf8').split('\n');
    const [, ...h001Key] = knownHosts[0]!.split(' ');
    const [h004Names] = knownHosts[3]!.split(' ');
    const forged = path.join(dir, 'forged_known_hosts');
    writeFileSync(forged, [...knownHosts.slice(0, 3), `${h004Names} ${h001Key.join(' ')}`, ...knownHosts.slice(4)].join('\n'));
    const config = path.join(dir, 'forged_ssh_config');
    writeFileSync(config, readFileSync(sshConfig, 'utf8').replace(path.join(labDir, 'known_hosts'), forged));
    const run = exec('lab=tlab', 'true', ['--accept-new'], { FLEETWAVE_SSH_CONFIG: config });
    const result = resultFor(run, 'tlab-h004');
    assert.equal(result.error?.kind, 'host-key');
    assert.match(result.error!.message, /HOST KEY MISMATCH for tlab-h004 .*presented SHA256:\S+, expected SHA256:\S+ \(.*forged_known_hosts:4\)/);
    assert.equal(run.json.result.ok, HOSTS - 1, 'only the host with the wrong key is refused');
  });

  test('unknown keys are refused by default, pinned with --accept-new, and a pinned key that changes is refused', async () => {
    const emptyKnown = path.join(dir, 'empty_known_hosts');
    writeFileSync(emptyKnown, '');
    const config = path.join(dir, 'tofu_ssh_config');
    writeFileSync(config, readFileSync(sshConfig, 'utf8').replace(path.join(labDir, 'known_hosts'), emptyKnown));
    const env = { FLEETWAVE_SSH_CONFIG: config };

    const refused = exec('hostname=tlab-h005', 'true', [], env);
    assert.equal(resultFor(refused, 'tlab-h005').error?.kind, 'host-key');
    assert.match(resultFor(refused, 'tlab-h005').error!.message, /unknown host key .*--accept-new/);

    const pinned = exec('hostname=tlab-h005', 'true', ['--accept-new'], env);
    assert.equal(pinned.code, 0, pinned.stdout);
    const events = runCliJson<{ events: { action: string }[] }>(['audit', 'log', '--db', db, '--host', 'tlab-h005', '--action', 'host.key-pinned']);
    assert.equal(events.json.result.events.length, 1);
    assert.equal(exec('hostname=tlab-h005', 'true', [], env).code, 0, 'the pin is trusted without --accept-new');

    // The host is "reinstalled": a new host key, sshd restarted.
    const host = planLab('tlab', slot, HOSTS).hosts[4]!;
    const hostDir = hostDirectory(labDir, host);
    execFileSync('sh', ['-c', `kill $(cat ${hostDir}/sshd.pid); rm -f ${hostDir}/ssh_host_ed25519_key*`]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', `${hostDir}/ssh_host_ed25519_key`]);
    startHostSshd(labDir, host);
    assert.deepEqual(await waitForPort22([host.address], 10_000), [], 'the reinstalled host is back');
    const changed = exec('hostname=tlab-h005', 'true', ['--accept-new'], env);
    assert.equal(resultFor(changed, 'tlab-h005').error?.kind, 'host-key');
    assert.match(resultFor(changed, 'tlab-h005').error!.message, /HOST KEY MISMATCH .*fleetwave pin/);
    // Only an explicit, audited clear lets the new key be pinned.
    const cleared = runCliJson<{ keysCleared: number }>(['fleet', 'clear-host-key', 'tlab-h005', '--db', db, '--reason', 'reinstalled']);
    assert.equal(cleared.json.result.keysCleared, 1);
    assert.equal(exec('hostname=tlab-h005', 'true', ['--accept-new'], env).code, 0);
    assert.equal(runCliJson(['fleet', 'clear-host-key', 'tlab-h001', '--db', db]).code, 4, 'nothing pinned for that host');
    // Restore the lab's own known_hosts entry for the later tests.
    const knownHostsFile = path.join(labDir, 'known_hosts');
    const lines = readFileSync(knownHostsFile, 'utf8').split('\n');
    lines[4] = `${lines[4]!.split(' ')[0]} ${readFileSync(`${hostDir}/ssh_host_ed25519_key.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}`;
    writeFileSync(knownHostsFile, lines.join('\n'));
  });

  test('upload goes over SFTP and is checked by sha256 on the far side', async () => {
    const local = path.join(dir, 'payload.bin');
    writeFileSync(local, Buffer.from(Array.from({ length: 200_000 }, (_, index) => index % 251)));
    const env = localEnvironment();
    const lookup = loadSshConfig(sshConfig, env);
    const executor = new SshExecutor({
      concurrency: 4,
      connectTimeoutMs: 5000,
      connectAttempts: 1,
      commandTimeoutMs: 10_000,
      outputCapBytes: 4096,
      acceptNew: false,
      hostKeys: { pinned: () => [], pin: () => undefined },
    });
    const host = planLab('tlab', slot, HOSTS).hosts[5]!;
    const settings = resolveConnection({ hostname: host.hostname, address: host.address, port: 22, user: 'root' }, lookup, env);
    const remote = `${hostDirectory(labDir, host)}/home/payload.bin`;
    const upload = await executor.upload(settings, local, remote);
    assert.equal(upload.status, 'ok', JSON.stringify(upload.error));
    const check = await executor.run(settings, `sha256sum ${remote}`);
    await executor.close();
    assert.equal(check.stdout.split(' ')[0], upload.sha256);
    rmSync(remote);
  });

  test('ProxyJump: a host reached through another lab host sees the jump host as its client', () => {
    const layout = planLab('tlab', slot, HOSTS);
    const [jump, target] = [layout.hosts[0]!, layout.hosts[1]!];
    const config = path.join(dir, 'jump_ssh_config');
    writeFileSync(config, `Host ${target.hostname}\n  ProxyJump ${jump.hostname}\n${readFileSync(sshConfig, 'utf8')}`);
    const logFile = `${hostDirectory(labDir, target)}/sshd.log`;
    const before = readFileSync(logFile, 'utf8').length;
    const run = exec(`hostname=${target.hostname}`, 'echo $SSH_CLIENT', [], { FLEETWAVE_SSH_CONFIG: config });
    assert.equal(run.code, 0, run.stdout);
    assert.equal(resultFor(run, target.hostname).stdout.split(' ')[0], jump.address);
    assert.match(readFileSync(logFile, 'utf8').slice(before), new RegExp(`Accepted publickey for root from ${jump.address.replace(/\./g, '\\.')}`));
  });

  test('ProxyJump chains: two jumps, and the target sees the last one', () => {
    const layout = planLab('tlab', slot, HOSTS);
    const [first, second, target] = [layout.hosts[0]!, layout.hosts[1]!, layout.hosts[5]!];
    const config = path.join(dir, 'chain_ssh_config');
    writeFileSync(config, `Host ${target.hostname}\n  ProxyJump ${first.hostname},${second.hostname}\n${readFileSync(sshConfig, 'utf8')}`);
    const run = exec(`hostname=${target.hostname}`, 'echo $SSH_CLIENT', [], { FLEETWAVE_SSH_CONFIG: config });
    assert.equal(run.code, 0, run.stdout);
    assert.equal(resultFor(run, target.hostname).stdout.split(' ')[0], second.address);
  });

  test('ssh-agent authentication: no identity file, only the agent holds the key', () => {
    const socket = path.join(dir, 'agent.sock');
    const agent = execFileSync('ssh-agent', ['-a', socket], { encoding: 'utf8' });
    const agentPid = /SSH_AGENT_PID=(\d+)/.exec(agent)![1]!;
    try {
      execFileSync('ssh-add', [path.join(labDir, 'id_ed25519')], { env: { SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const config = path.join(dir, 'agent_ssh_config');
      writeFileSync(config, readFileSync(sshConfig, 'utf8').replace(`IdentityFile ${path.join(labDir, 'id_ed25519')}`, `IdentityFile ${path.join(dir, 'no-such-key')}`));
      const withAgent = exec('hostname=tlab-h006', 'true', [], { FLEETWAVE_SSH_CONFIG: config, SSH_AUTH_SOCK: socket });
      assert.equal(withAgent.code, 0, withAgent.stdout);
      const withoutAgent = exec('hostname=tlab-h006', 'true', [], { FLEETWAVE_SSH_CONFIG: config });
      assert.equal(resultFor(withoutAgent, 'tlab-h006').error?.kind, 'auth');
    } finally {
      process.kill(Number(agentPid));
    }
  });

  test("probe records each host's kernels, boot id and netkit capability; an unreachable host is listed and left alone", () => {
    const layout = planLab('tlab', slot, HOSTS);
    const ghostCsv = path.join(dir, 'ghost2.csv');
    writeFileSync(ghostCsv, `hostname,address,port,labels\ntlab-ghost2,${layout.hosts[0]!.address},2222,lab=tlab\n`);
    runCliJson(['fleet', 'import', ghostCsv, '--db', db]);
    const run = runCliJson<{
      probed: { hostname: string; runningKernel: string; bootId: string; netkitCapable: boolean; netkitDetail: string; installedKernels: string[]; cniMode: string | null }[];
      unreachable: { hostname: string; kind: string }[];
    }>(['fleet', 'probe', 'lab=tlab', '--db', db], { env: { FLEETWAVE_SSH_CONFIG: sshConfig } });
    assert.equal(run.code, 7, 'one host could not be probed');
    assert.deepEqual(
      run.json.result.unreachable.map((host) => [host.hostname, host.kind]),
      [['tlab-ghost2', 'unreachable']],
    );
    assert.equal(run.json.result.probed.length, HOSTS);
    const first = run.json.result.probed[0]!;
    assert.equal(first.runningKernel, '5.15.0-91-generic');
    assert.deepEqual(first.installedKernels, ['5.15.0-91-generic']);
    assert.equal(first.netkitCapable, false);
    assert.equal(first.netkitDetail, 'the running kernel is built without CONFIG_NETKIT');
    assert.equal(first.cniMode, null, "the lab host's own veth uplink is not a pod: no CNI mode yet");
    // A real pod-style veth pair (no address) on one lab host makes it a veth node.
    const podHost = layout.hosts[1]!;
    execFileSync('ip', ['-n', podHost.netns, 'link', 'add', 'pod0', 'type', 'veth', 'peer', 'name', 'pod0-peer']);
    try {
      const withPod = runCliJson<{ probed: { cniMode: string | null }[] }>(['fleet', 'probe', `hostname=${podHost.hostname}`, '--db', db], { env: { FLEETWAVE_SSH_CONFIG: sshConfig } });
      assert.equal(withPod.json.result.probed[0]!.cniMode, 'veth');
    } finally {
      execFileSync('ip', ['-n', podHost.netns, 'link', 'del', 'pod0']);
    }
    const bootId = readFileSync(`${hostDirectory(labDir, layout.hosts[0]!)}/state/boot_id`, 'utf8').trim();
    assert.equal(first.bootId, bootId);

    const shown = runCliJson<{ host: { runningKernel: string; lastProbedAt: string | null } }>(['fleet', 'show', 'tlab-h001', '--db', db]);
    assert.equal(shown.json.result.host.runningKernel, '5.15.0-91-generic');
    assert.ok(shown.json.result.host.lastProbedAt);
    const ghost = runCliJson<{ host: { runningKernel: string | null; lastProbedAt: string | null } }>(['fleet', 'show', 'tlab-ghost2', '--db', db]);
    assert.deepEqual([ghost.json.result.host.runningKernel, ghost.json.result.host.lastProbedAt], [null, null]);
    removeHostRow('tlab-ghost2');
  });

  describe('simulated kernels and reboots (named simulations: this machine cannot boot them)', () => {
    const release = '5.15.0-200-netkit';
    let deb = '';
    const onHost = (hostname: string, command: string) => resultFor(exec(`hostname=${hostname}`, command), hostname);
    const labHost = (index: number) => planLab('tlab', slot, HOSTS).hosts[index]!;
    const bootIdOf = (index: number) => readFileSync(`${hostDirectory(labDir, labHost(index))}/state/boot_id`, 'utf8').trim();
    /** Reboots a lab host and awaits its next boot: a new boot id, then sshd answering (never a guessed sleep). */
    const rebootAndWait = async (index: number, command = 'reboot') => {
      const old = bootIdOf(index);
      onHost(labHost(index).hostname, command);
      const deadline = Date.now() + 20_000;
      while (bootIdOf(index) === old) {
        assert.ok(Date.now() < deadline, `${labHost(index).hostname} never booted again`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(await waitForPort22([labHost(index).address], 20_000), [], `${labHost(index).hostname} is back`);
    };
    const probe = (hostname: string) =>
      runCliJson<{
        probed: { runningKernel: string; defaultKernel: string; nextBootKernel: string | null; bootId: string; installedKernels: string[]; netkitDetail: string; kernelSimulated: boolean }[];
      }>(['fleet', 'probe', `hostname=${hostname}`, '--db', db], { env: { FLEETWAVE_SSH_CONFIG: sshConfig } }).json.result.probed[0]!;

    before(() => {
      deb = buildKernelDeb(dir, release, { netkit: true });
      for (const index of [2, 3]) {
        runCliJson(['lab', 'fault', labHost(index).hostname, 'down-seconds', '--value', '1', '--lab-dir', labDir]);
        execFileSync('cp', [deb, `${hostDirectory(labDir, labHost(index))}/home/kernel.deb`]);
      }
    });

    test("dpkg -i installs the package's /boot; grub-reboot is one-shot; reboot brings a new boot id; the next plain reboot returns to the default", async () => {
      const host = labHost(2).hostname;
      const before = probe(host);
      assert.equal(onHost(host, 'dpkg -i ~/kernel.deb && grub-reboot 5.15.0-200-netkit').status, 'ok');
      const staged = probe(host);
      assert.deepEqual(staged.installedKernels, ['5.15.0-91-generic', release]);
      assert.equal(staged.nextBootKernel, release);
      assert.equal(staged.defaultKernel, '5.15.0-91-generic', 'installing does not change the default');

      await rebootAndWait(2);
      const rebooted = probe(host);
      assert.equal(rebooted.runningKernel, release);
      assert.notEqual(rebooted.bootId, before.bootId);
      assert.equal(rebooted.nextBootKernel, null, 'the one-shot entry was consumed');
      assert.equal(rebooted.netkitDetail, 'CONFIG_NETKIT is set and a netkit pair was created', 'on a netkit kernel the lab simulates the pair (src/lab/sim-bin/ip)');
      assert.equal(rebooted.kernelSimulated, true, "and the probe says that this host's kernel is a simulation");
      const listed = onHost(host, 'ip link add nk0 type netkit peer name nk1 && ip -o link show type netkit; ip link del nk0');
      assert.match(listed.stdout, /nk0@nk1: .*\[fleetwave lab simulation\]/, 'the simulated pair says it is one');

      await rebootAndWait(2);
      assert.equal(probe(host).runningKernel, '5.15.0-91-generic', 'a power cycle after a one-shot boots the default');
    });

    test('a kernel that fails to boot comes back on the default kernel', async () => {
      const host = labHost(3).hostname;
      runCliJson(['lab', 'fault', host, 'bad-kernel', '--value', release, '--lab-dir', labDir]);
      await rebootAndWait(3, 'dpkg -i ~/kernel.deb && grub-reboot 5.15.0-200-netkit && reboot');
      assert.equal(probe(host).runningKernel, '5.15.0-91-generic');
      assert.match(readFileSync(`${hostDirectory(labDir, labHost(3))}/boot.log`, 'utf8'), /kernel 5\.15\.0-200-netkit failed to boot/);
      runCliJson(['lab', 'fault', host, 'bad-kernel', '--clear', '--lab-dir', labDir]);
    });

    test('a reboot that never returns leaves the host unreachable until it is powered on again', async () => {
      const host = labHost(3).hostname;
      runCliJson(['lab', 'fault', host, 'reboot-hangs', '--lab-dir', labDir]);
      const bootLog = `${hostDirectory(labDir, labHost(3))}/boot.log`;
      const hangsBefore = (readFileSync(bootLog, 'utf8').match(/never comes back/g) ?? []).length;
      onHost(host, 'reboot');
      while ((readFileSync(bootLog, 'utf8').match(/never comes back/g) ?? []).length === hangsBefore) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(onHost(host, 'true').error?.kind, 'unreachable');
      const stillHung = runCliJson<{ up: boolean; detail: string }>(['lab', 'power-cycle', host, '--lab-dir', labDir]);
      assert.deepEqual([stillHung.json.result.up, stillHung.json.result.detail], [false, 'stays down: the reboot-hangs fault is set (clear it first)']);
      runCliJson(['lab', 'fault', host, 'reboot-hangs', '--clear', '--lab-dir', labDir]);
      const back = runCliJson<{ up: boolean; kernel: string }>(['lab', 'power-cycle', host, '--lab-dir', labDir]);
      assert.deepEqual([back.code, back.json.result.up, back.json.result.kernel], [0, true, '5.15.0-91-generic']);
      assert.equal(onHost(host, 'true').status, 'ok');
    });

    test('health-fails, slow and unreachable faults; dpkg refuses anything but a kernel', () => {
      const host = labHost(2).hostname;
      assert.equal(onHost(host, 'fleetwave-health').status, 'ok');
      runCliJson(['lab', 'fault', host, 'health-fails', '--lab-dir', labDir]);
      const unhealthy = onHost(host, 'fleetwave-health');
      assert.deepEqual([unhealthy.status, unhealthy.exitCode], ['failed', 1]);
      runCliJson(['lab', 'fault', host, 'health-fails', '--clear', '--lab-dir', labDir]);

      // The lab's dpkg must never reach the machine's own package database.
      const other = buildDeb(dir, 'fleetwave-test-not-a-kernel', '1.0', { 'usr/share/doc/fleetwave-test-not-a-kernel/README': 'test\n' });
      execFileSync('cp', [other, `${hostDirectory(labDir, labHost(2))}/home/other.deb`]);
      const refused = onHost(host, 'dpkg -i ~/other.deb 2>&1');
      assert.equal(refused.status, 'failed');
      assert.match(refused.stdout, /refusing fleetwave-test-not-a-kernel; only linux-image packages install on a lab host/);
      assert.notEqual(spawnSync('dpkg', ['-s', 'fleetwave-test-not-a-kernel'], { stdio: 'ignore' }).status, 0, 'the machine never got the package');

      runCliJson(['lab', 'fault', host, 'slow', '--value', '3', '--lab-dir', labDir]);
      const slow = resultFor(exec(`hostname=${host}`, 'true', ['--timeout', '1']), host);
      assert.equal(slow.error?.kind, 'timeout', 'a slow host runs into the command timeout');
      runCliJson(['lab', 'fault', host, 'slow', '--clear', '--lab-dir', labDir]);
      assert.equal(onHost(host, 'true').status, 'ok');

      runCliJson(['lab', 'fault', host, 'unreachable', '--lab-dir', labDir]);
      assert.equal(onHost(host, 'true').error?.kind, 'unreachable');
      runCliJson(['lab', 'fault', host, 'unreachable', '--clear', '--lab-dir', labDir]);
      assert.equal(onHost(host, 'true').status, 'ok');
    });
  });

  test('a host that resets the connection before the handshake is reported, and fleetwave does not crash', async () => {
    // A real TCP listener that accepts and resets: ssh2 then emits more than one error.
    const server = net.createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const csv = path.join(dir, 'reset.csv');
    writeFileSync(csv, `hostname,address,port,labels\nresetter,127.0.0.1,${port},reset=yes\n`);
    runCliJson(['fleet', 'import', csv, '--db', db]);
    try {
      const run = await runCliJsonAsync<ExecJson>(['fleet', 'exec', 'reset=yes', '--db', db, '--', 'true']);
      assert.equal(run.code, 7, run.stderr);
      const result = run.json.result.results[0]!;
      assert.equal(result.error?.kind, 'unreachable');
    } finally {
      server.close();
      removeHostRow('resetter');
    }
  });

  test('every exec is in the audit trail, per host, and the chain verifies', () => {
    const log = runCliJson<{ events: { action: string; details: { status: string } }[] }>(['audit', 'log', '--db', db, '--host', 'tlab-h003', '--action', 'host.exec']);
    assert.ok(log.json.result.events.some((event) => event.details.status === 'failed'));
    assert.equal(runCliJson(['audit', 'verify', '--db', db]).code, 0);
  });

  test('kernel verify says per host what is missing on a kernel without netkit, and exits 7', () => {
    const hostnames = Array.from({ length: HOSTS }, (_, index) => `tlab-h00${index + 1}`);
    const run = runCliJson<{ hosts: { hostname: string; kernel: string | null; ok: boolean; missing: string[]; error: string | null }[] }>(['kernel', 'verify', ...hostnames, '--db', db], {
      env: { FLEETWAVE_SSH_CONFIG: sshConfig },
    });
    assert.equal(run.code, 7, run.stdout);
    const stock = run.json.result.hosts.filter((host) => host.kernel === '5.15.0-91-generic');
    assert.ok(stock.length > 0, 'some lab hosts still run the stock kernel');
    for (const host of stock) {
      assert.equal(host.ok, false);
      assert.ok(host.missing.includes('CONFIG_NETKIT (not set)'), JSON.stringify(host.missing));
      assert.ok(
        host.missing.some((line) => line.startsWith('a netkit pair cannot be created (Error: Unknown device type.')),
        JSON.stringify(host.missing),
      );
    }
    const audited = runCliJson<{ events: { host: string; details: { ok: boolean } }[] }>(['audit', 'log', '--action', 'host.kernel-verified', '--db', db]);
    assert.ok(audited.json.result.events.length >= stock.length);
  });
});
