import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LAB_VM_DIR, REPO_BIN_DIR } from '../../paths.js';
import { runCommand } from '../system/run-command.js';

/** Where a VM lab host's real kernel and tools come from (bin/vm-assets.sh: Debian's packages, cached). */
export interface VmAssets {
  kernelPackage: string;
  kernelRelease: string;
  kernelDir: string;
  ip: string;
  bpftool: string;
  cache: string;
}

/** Fetches (once) and locates the kernel package and the guest tools; installs QEMU when missing. */
export function ensureVmAssets(kernelPackage?: string): VmAssets {
  const output = runCommand('sh', [path.join(REPO_BIN_DIR, 'vm-assets.sh'), ...(kernelPackage ? [kernelPackage] : [])]);
  const values = Object.fromEntries(
    output
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { kernelPackage: values.kernel_package!, kernelRelease: values.kernel_release!, kernelDir: values.kernel_dir!, ip: values.ip!, bpftool: values.bpftool!, cache: values.cache! };
}

/** The kernel image QEMU boots directly (no boot loader). */
export function vmKernelImage(assets: VmAssets): string {
  return path.join(assets.kernelDir, 'boot', `vmlinuz-${assets.kernelRelease}`);
}

/**
 * Modules the guest needs for its network (virtio_pci, virtio_net) and pods (veth); whichever of
 * them the kernel has built in are simply not found. Their dependencies come along, in load order.
 */
const GUEST_MODULES = ['virtio_pci', 'virtio_net', 'veth'];

function moduleBytes(file: string): Buffer {
  return file.endsWith('.xz') ? execFileSync('xz', ['-dc', file], { maxBuffer: 256 * 1024 * 1024 }) : readFileSync(file);
}

/** The modules to load, dependencies first, read from each module's own `depends=` (there is no modules.dep before depmod runs). */
function moduleLoadOrder(kernelDir: string): { name: string; file: string; bytes: Buffer }[] {
  const byName = new Map<string, string>();
  for (const file of runCommand('find', [path.join(kernelDir, 'lib', 'modules'), '-name', '*.ko*'])
    .trim()
    .split('\n')
    .filter(Boolean)) {
    byName.set(
      path
        .basename(file)
        .replace(/\.ko(\.xz|\.zst)?$/, '')
        .replace(/-/g, '_'),
      file,
    );
  }
  const ordered: { name: string; file: string; bytes: Buffer }[] = [];
  const visit = (name: string) => {
    if (ordered.some((module) => module.name === name)) return;
    const file = byName.get(name);
    if (!file) return; // built in
    const bytes = moduleBytes(file);
    const depends = /depends=([^\0]*)\0/.exec(bytes.toString('latin1'))?.[1] ?? '';
    for (const dependency of depends.split(',').filter(Boolean)) visit(dependency.replace(/-/g, '_'));
    ordered.push({ name, file, bytes });
  };
  for (const name of GUEST_MODULES) visit(name);
  return ordered;
}
const GUEST_FILES = ['init', 'inittab', 'sshd_config'];

function guestBinaries(assets: VmAssets): [string, string][] {
  return [
    ['/bin/busybox', '/bin/busybox'],
    ['/bin/bash', '/bin/bash'],
    // /bin/sh is dash, as on a Debian node: busybox's sh runs its own applets before PATH (its
    // `ip` has no netkit and no `netns NAME`), which would test busybox instead of the node.
    ['/bin/dash', '/bin/sh'],
    ['/usr/sbin/sshd', '/usr/sbin/sshd'],
    [assets.ip, '/sbin/ip'],
    [assets.bpftool, '/usr/sbin/bpftool'],
    // What the node datapath needs beside busybox (fleetwave-cni, fleetwave-acl): a node has these from Debian's packages.
    ['/usr/bin/jq', '/usr/bin/jq'],
    ['/usr/bin/nsenter', '/usr/bin/nsenter'],
    ['/usr/bin/flock', '/usr/bin/flock'],
    ['/usr/lib/cni/host-local', '/opt/cni/bin/host-local'],
  ];
}

/**
 * The initramfs every guest of this kernel shares, built once and cached by what goes into it:
 * busybox as init, this machine's own sshd and bash with every library `ldd` lists, ip and
 * bpftool from backports, the decompressed network modules, and the kernel's config in /boot
 * (so the probe reads the running kernel's real config).
 */
export function baseImage(assets: VmAssets): string {
  const binaries = guestBinaries(assets);
  const modules = moduleLoadOrder(assets.kernelDir);
  const config = path.join(assets.kernelDir, 'boot', `config-${assets.kernelRelease}`);
  const inputs = [...binaries.map(([from]) => from), ...modules.map((module) => module.file), config];
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(inputs.map((file) => [file, statSync(file).size, statSync(file).mtimeMs])))
    .update(GUEST_FILES.map((file) => readFileSync(path.join(LAB_VM_DIR, file), 'utf8')).join('\0'))
    .digest('hex')
    .slice(0, 16);
  const image = path.join(assets.cache, `base-${assets.kernelRelease}-${fingerprint}.cpio`);
  if (existsSync(image)) return image;

  const root = path.join(assets.cache, `staging-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  try {
    for (const dir of [
      'bin',
      'sbin',
      'usr/bin',
      'usr/sbin',
      'etc/ssh',
      'etc/fleetwave',
      'lib/modules',
      'proc',
      'sys',
      'dev',
      'run',
      'tmp',
      'root',
      'boot',
      'var/empty',
      'var/tmp',
      'opt/cni/bin',
      'opt/fleetwave/bin',
      'etc/cni/net.d',
    ]) {
      mkdirSync(path.join(root, dir), { recursive: true });
    }
    for (const [from, to] of binaries) copyFileSync(from, path.join(root, to));
    const libraries = new Set(binaries.flatMap(([from]) => [...sharedLibraries(from).matchAll(/(\/\S+)/g)].map((match) => match[1]!)));
    for (const library of libraries) {
      mkdirSync(path.join(root, path.dirname(library)), { recursive: true });
      copyFileSync(library, path.join(root, library));
    }
    for (const module of modules) writeFileSync(path.join(root, 'lib', 'modules', `${module.name}.ko`), module.bytes);
    writeFileSync(path.join(root, 'etc', 'fleetwave', 'modules'), `${modules.map((module) => module.name).join('\n')}\n`);
    copyFileSync(config, path.join(root, 'boot', path.basename(config)));
    copyFileSync(path.join(LAB_VM_DIR, 'init'), path.join(root, 'init'));
    chmodSync(path.join(root, 'init'), 0o755);
    copyFileSync(path.join(LAB_VM_DIR, 'inittab'), path.join(root, 'etc', 'inittab'));
    copyFileSync(path.join(LAB_VM_DIR, 'sshd_config'), path.join(root, 'etc', 'ssh', 'sshd_config'));
    writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/bin/false\n');
    writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    writeFileSync(path.join(root, 'etc', 'shadow'), 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n', { mode: 0o600 });
    packCpio(root, `${image}.new`);
    renameSync(`${image}.new`, image);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return image;
}

/** What `ldd` lists for a binary; a static one (busybox-static) needs none. */
function sharedLibraries(binary: string): string {
  try {
    return execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

function packCpio(root: string, out: string): void {
  runCommand('sh', ['-c', 'cd "$1" && find . | cpio -o -H newc --quiet > "$2"', 'pack', root, out]);
}

export interface GuestIdentity {
  hostname: string;
  /** The guest's address on the lab's private segment, with its prefix (198.18.0.2/20). */
  labAddress: string;
  clientPublicKey: string;
  /** This guest's pod CIDR, and routes to the other guests' pod CIDRs through their lab addresses. */
  podCidr: string;
  podRoutes: Array<{ cidr: string; via: string }>;
}

/**
 * One guest's initramfs: the shared base with a small archive appended (the kernel unpacks both)
 * holding its own host key, the lab's authorized key and its name and lab address. Returns the
 * initrd path and the host's public key for known_hosts.
 */
export function guestImage(base: string, guest: GuestIdentity, dir: string): { initrd: string; hostPublicKey: string } {
  const root = path.join(dir, 'guest-root');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(path.join(root, 'etc', 'ssh'), { recursive: true });
  mkdirSync(path.join(root, 'etc', 'fleetwave'), { recursive: true });
  const hostKey = path.join(root, 'etc', 'ssh', 'ssh_host_ed25519_key');
  runCommand('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', guest.hostname, '-f', hostKey]);
  writeFileSync(path.join(root, 'etc', 'ssh', 'authorized_keys'), guest.clientPublicKey, { mode: 0o600 });
  writeFileSync(path.join(root, 'etc', 'fleetwave', 'guest.env'), `GUEST_HOSTNAME=${guest.hostname}\nGUEST_LAB_ADDRESS=${guest.labAddress}\n`);
  writeFileSync(path.join(root, 'etc', 'fleetwave', 'pod-cidr'), `${guest.podCidr}\n`);
  writeFileSync(path.join(root, 'etc', 'fleetwave', 'pod-routes'), guest.podRoutes.map((route) => `${route.cidr} ${route.via}\n`).join(''));
  const own = path.join(dir, 'guest.cpio');
  packCpio(root, own);
  const initrd = path.join(dir, 'initrd.cpio');
  runCommand('sh', ['-c', 'cat "$1" "$2" > "$3"', 'join', base, own, initrd]);
  const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim();
  rmSync(root, { recursive: true, force: true });
  return { initrd, hostPublicKey };
}

/** A Debian disk image with a real GRUB (bin/vm-grub-image.sh), and the keys baked into it. */
export interface DiskImage {
  image: string;
  /** The image's root key: labs made from it log in with this key. */
  sshKey: string;
  hostKey: string;
  kernelRelease: string;
  defaultEntry: string;
}

/** Builds (once, cached; a few minutes the first time) the GRUB disk image. */
export function ensureDiskImage(): DiskImage {
  const output = runCommand('sh', [path.join(REPO_BIN_DIR, 'vm-grub-image.sh')]);
  const values = Object.fromEntries(
    output
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { image: values.image!, sshKey: values.ssh_key!, hostKey: values.host_key!, kernelRelease: values.kernel_release!, defaultEntry: values.default_entry! };
}

/** A copy-on-write overlay of the image for one guest: what it writes stays in the lab's directory. */
export function diskOverlay(image: DiskImage, dir: string): string {
  const overlay = path.join(dir, 'disk.qcow2');
  runCommand('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image.image, '-F', 'raw', overlay]);
  return overlay;
}
