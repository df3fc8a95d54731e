import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The kernel a lab's ready-made rollout moves to: a 5.15 with the netkit backport, as the mission's fleet would get. */
export const LAB_TARGET_KERNEL = '5.15.0-200-netkit';

/**
 * SIMULATION (fleetwave lab): a real Debian package shaped like a kernel image package (control
 * file, /boot/vmlinuz-RELEASE, /boot/config-RELEASE), built with dpkg-deb. The vmlinuz inside is
 * a placeholder: lab hosts simulate booting, they never execute it.
 */
export function buildKernelDeb(dir: string, release: string, config: { netkit: boolean }): string {
  return buildDeb(dir, `linux-image-${release}`, release, {
    [`boot/config-${release}`]: `# SIMULATION: fleetwave lab kernel config\nCONFIG_BPF_SYSCALL=y\nCONFIG_NET_XGRESS=y\nCONFIG_DEBUG_INFO_BTF=y\n${config.netkit ? 'CONFIG_NETKIT=y' : '# CONFIG_NETKIT is not set'}\n`,
    [`boot/vmlinuz-${release}`]: 'SIMULATION: not a kernel image; lab hosts simulate booting\n',
  });
}

/** Any small real .deb: a package name, a version, and its files by path. */
export function buildDeb(dir: string, name: string, version: string, files: Record<string, string>): string {
  const root = path.join(dir, `pkg-${name}`);
  mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(
    path.join(root, 'DEBIAN', 'control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\nMaintainer: fleetwave lab <lab@example.invalid>\nDescription: SIMULATION package built by the fleetwave lab\n`,
  );
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  const deb = path.join(dir, `${name}_${version}_amd64.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, deb], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
  return deb;
}

/** A rollout spec for the lab's own hosts: canary, then waves, one host per rack in flight. */
export function labRolloutSpec(labName: string, packagePath: string, createdAt: Date): string {
  // Rollout names are never reused, and a lab may come up many times against one database.
  const name = `lab-${labName}-kernel-${createdAt.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase()}`;
  return `# Written by fleetwave lab up: a kernel rollout of the lab's simulated kernel package.
# fleetwave rollout plan THIS_FILE && fleetwave rollout run ${name}
name: ${name}
kind: kernel
target: ${LAB_TARGET_KERNEL}
selector: lab=${labName}
playbook: kernel-upgrade
canary: 1
waves: [2, "100%"]
spread:
  rack: 1
parallel: 10
soak: 3s
checkInterval: 1s
failureBudget:
  perWave: 0
  overall: 0
  onSpent: pause
vars:
  package: ${packagePath}
  health_check: fleetwave-health
`;
}
