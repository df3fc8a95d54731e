import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCliJsonAsync } from './support/cli.js';
import { REPO_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

/**
 * A real kernel upgrade and its rollback, with the kernel-upgrade playbook exactly as shipped: a
 * QEMU guest (TCG) booting a Debian bookworm disk through real GRUB on 6.1, upgraded to Debian's
 * 6.12 (dpkg -i, grub-reboot, a real reboot seen by boot id, netkit created, made the default),
 * then rolled back to 6.1 and verified against its baseline. Nothing here is simulated. The disk
 * image and the kernel package are built and fetched once (bin/vm-grub-image.sh,
 * bin/vm-assets.sh) and cached. About 5 minutes under TCG. Needs root, as CI has.
 */
const dir = tempDir('fleetwave-vm-grub-');
const labDir = path.join(dir, 'lab');
const env = { FLEETWAVE_DB: path.join(dir, 'fleet.db'), FLEETWAVE_LAB_REGISTRY: path.join(dir, 'registry'), FLEETWAVE_SSH_CONFIG: path.join(labDir, 'ssh_config') };
const cli = <T = unknown>(args: string[]) => runCliJsonAsync<T>(args, { env });

interface Probed {
  hostname: string;
  runningKernel: string;
  defaultKernel: string | null;
  nextBootKernel: string | null;
  installedKernels: string[];
  netkitCapable: boolean;
  kernelSimulated: boolean;
}

async function probe(): Promise<Probed> {
  const run = await cli<{ probed: Probed[] }>(['fleet', 'probe', 'lab=grub']);
  assert.equal(run.code, 0, run.stdout);
  return run.json.result.probed[0]!;
}

describe('a real GRUB kernel upgrade and rollback on a QEMU guest, with the shipped playbook', { concurrency: false }, () => {
  let previous: Probed;
  let target = '';
  let kernelPackage = '';
  before(async () => {
    const assets = execFileSync('sh', [path.join(REPO_ROOT, 'bin', 'vm-assets.sh')], { encoding: 'utf8' });
    target = /^kernel_release=(.*)$/m.exec(assets)![1]!;
    kernelPackage = /^kernel_package=(.*)$/m.exec(assets)![1]!;
    const up = await cli<{ kernel: string }>(['lab', 'up', '--vm', '--disk', '--hosts', '1', '--name', 'grub', '--lab-dir', labDir]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
  });
  after(async () => {
    await cli(['lab', 'down', '--lab-dir', labDir]);
  });

  test("the guest boots Debian's 6.1 through GRUB, and the probe reads its real boot entries", async () => {
    previous = await probe();
    assert.match(previous.runningKernel, /^6\.1\.\d+-\d+-amd64$/);
    assert.deepEqual(
      [previous.defaultKernel, previous.nextBootKernel, previous.installedKernels, previous.netkitCapable, previous.kernelSimulated],
      [previous.runningKernel, null, [previous.runningKernel], false, false],
    );
  });

  test('rollout run: 6.12 uploaded, installed, booted once through GRUB, netkit created, made the default', async () => {
    const spec = path.join(dir, 'spec.yaml');
    writeFileSync(
      spec,
      JSON.stringify({
        name: 'real-grub',
        kind: 'kernel',
        target,
        selector: 'lab=grub',
        playbook: 'kernel-upgrade',
        canary: 1,
        waves: ['100%'],
        soak: '2s',
        checkInterval: '1s',
        vars: { package: kernelPackage, health_check: 'systemctl is-active ssh', grub_entry_prefix: 'Debian GNU/Linux, with Linux ' },
      }),
    );
    assert.equal((await cli(['rollout', 'plan', spec])).code, 0);
    const run = await cli<{ status: string; hosts: Record<string, number> }>(['rollout', 'run', 'real-grub', '--progress', 'lines']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([run.json.result.status, run.json.result.hosts], ['completed', { succeeded: 1 }]);
    assert.match(run.stderr, /reboot into it: ok - back with boot id/);
    const upgraded = await probe();
    assert.deepEqual([upgraded.runningKernel, upgraded.defaultKernel, upgraded.nextBootKernel, upgraded.netkitCapable], [target, target, null, true]);
    assert.deepEqual([...upgraded.installedKernels].sort(), [previous.runningKernel, target].sort());
  });

  test('rollout rollback: back on 6.1 through a real reboot, the default entry restored, the package purged, verified against the baseline', async () => {
    const requested = await cli(['rollout', 'rollback', 'real-grub', '--reason', 'prove the rollback on real GRUB']);
    assert.equal(requested.code, 0);
    const run = await cli<{ status: string; hosts: Record<string, number> }>(['rollout', 'run', 'real-grub', '--progress', 'lines']);
    assert.equal(run.code, 8, run.stderr);
    assert.deepEqual([run.json.result.status, run.json.result.hosts], ['rolled-back', { 'rolled-back': 1 }]);
    assert.match(run.stderr, /rollback: verify the host is back: ok - restored: running kernel 6\.1\.\S+, default boot entry 6\.1\.\S+, next-boot \(one-shot\) entry none/);
    const back = await probe();
    assert.deepEqual([back.runningKernel, back.defaultKernel, back.nextBootKernel, back.installedKernels], [previous.runningKernel, previous.defaultKernel, null, previous.installedKernels]);
    assert.equal((await cli(['audit', 'verify'])).code, 0);
  });
});
