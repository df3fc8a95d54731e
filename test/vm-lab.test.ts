import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { guestPid } from '../src/adapters/lab/vm-guests.js';
import { runCliJsonAsync } from './support/cli.js';
import { CLI, REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

/**
 * VM lab hosts: QEMU guests (TCG) booting Debian's real 6.12 kernel, fetched and cached by
 * bin/vm-assets.sh. Nothing about their kernel is simulated: netkit pairs are really created.
 * Needs root (QEMU, the package cache), as CI has.
 */
const dir = tempDir('fleetwave-vm-lab-');
const db = path.join(dir, 'fleet.db');
const registry = path.join(dir, 'registry');
const env = { FLEETWAVE_DB: db, FLEETWAVE_LAB_REGISTRY: registry };
const cli = <T = unknown>(args: string[], extra: Record<string, string> = {}) => runCliJsonAsync<T>(args, { env: { ...env, ...extra } });

interface LabUp {
  kind: string;
  kernel: string;
  hosts: { hostname: string; address: string; port: number; labAddress: string }[];
  sshConfig: string;
}

const qemuPidFiles = (labDir: string, hostnames: string[]) => hostnames.map((hostname) => path.join(labDir, 'hosts', hostname, 'qemu.pid'));
/** A QEMU process still running (not gone, not a zombie waiting to be reaped). */
function qemuRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('qemu-system') && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('a VM lab: real kernels in QEMU guests', { concurrency: false }, () => {
  const labDir = path.join(dir, 'lab');
  let up: LabUp;
  before(async () => {
    const started = await cli<LabUp>(['lab', 'up', '--vm', '--hosts', '2', '--name', 'vmlab', '--lab-dir', labDir]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    up = started.json.result;
  });
  after(async () => {
    await cli(['lab', 'down', '--lab-dir', labDir]);
  });

  test('lab up --vm boots two guests on Debian\'s 6.12 kernel, reachable over SSH on loopback ports', () => {
    assert.equal(up.kind, 'vm');
    assert.match(up.kernel, /^6\.12\.\d+\+deb12-amd64$/);
    assert.deepEqual(up.hosts.map((host) => [host.hostname, host.address]), [['vmlab-h001', '127.0.0.1'], ['vmlab-h002', '127.0.0.1']]);
    for (const pidFile of qemuPidFiles(labDir, ['vmlab-h001', 'vmlab-h002'])) assert.notEqual(guestPid(pidFile), null, `${pidFile}: QEMU runs`);
  });

  test('fleet probe and kernel verify see the real kernel: netkit capable because a pair was really created', async () => {
    const probe = await cli<{ probed: { hostname: string; runningKernel: string; netkitCapable: boolean; netkitDetail: string; kernelSimulated: boolean }[] }>(['fleet', 'probe', 'lab=vmlab'], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
    assert.equal(probe.code, 0, probe.stdout);
    for (const host of probe.json.result.probed) {
      assert.deepEqual([host.runningKernel, host.netkitCapable, host.kernelSimulated], [up.kernel, true, false], host.hostname);
      assert.equal(host.netkitDetail, 'CONFIG_NETKIT is set and a netkit pair was created');
    }
    const verify = await cli<{ hosts: { hostname: string; ok: boolean; simulated: boolean; missing: string[] }[] }>(['kernel', 'verify', 'vmlab-h001', 'vmlab-h002'], { FLEETWAVE_SSH_CONFIG: up.sshConfig });
    assert.equal(verify.code, 0, verify.stdout);
    assert.deepEqual(verify.json.result.hosts.map((host) => [host.ok, host.simulated, host.missing]), [[true, false, []], [true, false, []]]);
  });

  test('the guests reach each other on the lab\'s private segment, and the netkit device is the real one', async () => {
    const [first, second] = up.hosts;
    const run = await cli<{ groups: { hosts: string[]; stdout: string }[]; ok: number }>(
      ['fleet', 'exec', 'lab=vmlab', '--', `ping -c 1 -W 3 ${second!.labAddress} >/dev/null && ping -c 1 -W 3 ${first!.labAddress} >/dev/null && echo reached; ip link add nk0 type netkit peer name nk1 && ip -d link show nk0 | grep -o 'netkit mode l3'; ip link del nk0`],
      { FLEETWAVE_SSH_CONFIG: up.sshConfig },
    );
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.json.result.ok, 2);
    assert.match(JSON.stringify(run.json.result), /reached\\nnetkit mode l3/);
  });

  test('lab status shows the guests; lab fault is refused on a real kernel', async () => {
    const status = await cli<{ kind: string; kernel: string; hosts: { sshd: string }[] }>(['lab', 'status', '--lab-dir', labDir]);
    assert.deepEqual([status.json.result.kind, status.json.result.kernel, status.json.result.hosts.map((host) => host.sshd)], ['vm', up.kernel, ['up', 'up']]);
    const fault = await cli(['lab', 'fault', 'vmlab-h001', 'health-fails', '--lab-dir', labDir]);
    assert.deepEqual([fault.code, fault.json.error?.code], [2, 'USAGE']);
  });
});

describe('VM labs leave nothing behind', { concurrency: false }, () => {
  test('lab down stops every guest and removes what the lab made', async () => {
    const labDir = path.join(dir, 'short');
    const up = await cli<LabUp>(['lab', 'up', '--vm', '--hosts', '1', '--name', 'short', '--lab-dir', labDir]);
    assert.equal(up.code, 0, up.stdout);
    const pidFiles = qemuPidFiles(labDir, ['short-h001']);
    const pid = guestPid(pidFiles[0]!);
    assert.notEqual(pid, null);
    const down = await cli<{ processesKilled: number; hostsRemovedFromInventory: number }>(['lab', 'down', '--lab-dir', labDir]);
    assert.deepEqual([down.code, down.json.result.processesKilled, down.json.result.hostsRemovedFromInventory], [0, 1, 1]);
    assert.equal(qemuRunning(pid!), false, 'its QEMU is gone');
    assert.equal(existsSync(labDir), false);
  });

  test('after kill -9 of lab up while its guests boot, lab down stops the guests it had started', async () => {
    const labDir = path.join(dir, 'killed');
    const child = spawn(process.execPath, [CLI, 'lab', 'up', '--vm', '--hosts', '2', '--name', 'killed', '--lab-dir', labDir, '--json'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
      stdio: 'ignore',
    });
    const ended = new Promise((resolve) => child.on('close', resolve));
    // Kill it once both guests are started (their pid files exist) but before they are ready.
    const pidFiles = qemuPidFiles(labDir, ['killed-h001', 'killed-h002']);
    while (!pidFiles.every((file) => guestPid(file) !== null)) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    await ended;
    const pids = pidFiles.map(guestPid);
    assert.ok(pids.every((pid) => pid !== null), 'the guests outlive the killed command');
    const status = await cli<{ status: string }>(['lab', 'status', '--lab-dir', labDir]);
    assert.equal(status.json.result.status, 'creating');
    const down = await cli<{ processesKilled: number }>(['lab', 'down', '--lab-dir', labDir]);
    assert.equal(down.code, 0, down.stdout);
    assert.equal(down.json.result.processesKilled, 2);
    assert.ok(pids.every((pid) => !qemuRunning(pid!)), 'no QEMU of the killed lab runs');
    assert.equal(existsSync(labDir), false);
  });
});
