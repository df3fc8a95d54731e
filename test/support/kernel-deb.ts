import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A real Debian package shaped like a kernel image package (control file, /boot/vmlinuz-RELEASE,
 * /boot/config-RELEASE), built with dpkg-deb. The vmlinuz inside is a placeholder: lab hosts
 * simulate booting, they never execute it.
 */
export function buildKernelDeb(dir: string, release: string, config: { netkit: boolean }): string {
  return buildDeb(dir, `linux-image-${release}`, release, {
    [`boot/config-${release}`]: `CONFIG_BPF_SYSCALL=y\nCONFIG_NET_XGRESS=y\n${config.netkit ? 'CONFIG_NETKIT=y' : '# CONFIG_NETKIT is not set'}\n`,
    [`boot/vmlinuz-${release}`]: 'placeholder: lab hosts simulate booting\n',
  });
}

/** Any small real .deb: a package name, a version, and its files by path. */
export function buildDeb(dir: string, name: string, version: string, files: Record<string, string>): string {
  const root = path.join(dir, `pkg-${name}`);
  mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(
    path.join(root, 'DEBIAN', 'control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\nMaintainer: fleetwave tests <tests@example.invalid>\nDescription: fleetwave test package\n`,
  );
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  const deb = path.join(dir, `${name}_${version}_amd64.deb`);
  execFileSync('dpkg-deb', ['--build', root, deb], { stdio: 'ignore' });
  return deb;
}
