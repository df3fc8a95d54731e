import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { currentActor } from '../../adapters/actor.js';
import type { Clock } from '../../adapters/clock.js';
import { createClientKey, hostDirectory, startHostSshd, waitForPort22, writeHostFiles } from '../../adapters/lab/lab-hosts.js';
import { startGuest, stopGuests, waitForReady, type GuestLaunch } from '../../adapters/lab/vm-guests.js';
import { baseImage, diskOverlay, ensureDiskImage, ensureVmAssets, guestImage, vmKernelImage, type DiskImage, type VmAssets } from '../../adapters/lab/vm-image.js';
import { claimFreeSlot, destroyLabNetwork, createLabNetwork, labNetworkNames } from '../../adapters/lab/lab-network.js';
import { buildKernelDeb, LAB_TARGET_KERNEL, labRolloutSpec } from '../../adapters/lab/lab-packages.js';
import { claimLabSlot, releaseLabSlot } from '../../adapters/lab/lab-registry.js';
import { withStore } from '../../adapters/store/store.js';
import { commandExists, runCommand } from '../../adapters/system/run-command.js';
import { FleetwaveError } from '../../errors.js';
import { labPodCidr, labPodRoutes, planLab, type LabLayout } from '../../lab/layout.js';
import type { LabState } from '../../lab/lab-state.js';
import { applyInventory, removeHosts } from '../import-inventory.js';
import { absoluteLabDir, claimLabDir, readLabState, removeLabFiles, writeLabState } from './lab-files.js';

export interface LabRequest {
  dbPath: string;
  labDir: string;
  reason?: string;
  clock: Clock;
}

export interface LabUpResult {
  name: string;
  slot: number;
  subnet: string;
  kind: 'netns' | 'vm';
  /** VM labs: the real kernel release the guests run. */
  kernel: string | null;
  /** address:port is where fleetwave reaches the host; labAddress is its address inside the lab. */
  hosts: { hostname: string; address: string; port: number; labAddress: string; zone: string; rack: string }[];
  sshConfig: string;
  /** Namespace labs: a ready kernel rollout spec, and the simulated kernel package it installs. */
  rolloutSpec: string | null;
  kernelPackage: string | null;
  installed: string[];
}

export const SSHD_READY_DEADLINE_MS = 30_000;

/** The lab installs what it needs itself: on a fresh machine that is the OpenSSH server. */
function ensureOpenSshServer(): string[] {
  if (existsSync('/usr/sbin/sshd') && commandExists('ssh-keygen')) return [];
  runCommand('apt-get', ['update', '-q']);
  runCommand('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', 'openssh-server', 'openssh-client']);
  return ['openssh-server'];
}

/** An ordinary OpenSSH client config: `ssh -F LAB_DIR/ssh_config lab-h001` works, and fleetwave reads the same file. */
function sshConfigText(labDir: string, layout: LabLayout, ports: Record<string, number> | null): string {
  const common = [
    `Host ${layout.name}-h*`,
    '  User root',
    `  IdentityFile ${path.join(labDir, 'id_ed25519')}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${path.join(labDir, 'known_hosts')}`,
    '  StrictHostKeyChecking yes',
    '  LogLevel ERROR',
  ];
  const perHost = layout.hosts.flatMap((host) =>
    ports ? [`Host ${host.hostname}`, '  HostName 127.0.0.1', `  Port ${ports[host.hostname]}`] : [`Host ${host.hostname}`, `  HostName ${host.address}`],
  );
  return `# Written by fleetwave lab up for lab "${layout.name}"; removed by lab down.\n${[...perHost, ...common].join('\n')}\n`;
}

/** The inventory must take the lab's hosts: a bad --db (missing directory, read-only, not SQLite) fails here, before anything is made. */
function checkDatabase(dbPath: string): void {
  withStore({ path: dbPath, create: true }, (store) => store.write(() => undefined));
}

/** VM labs are small: each guest is a QEMU process of ~300 MB on a 2-core machine. */
export const MAX_VM_HOSTS = 8;
const VM_MEMORY_MB = 512;
const VM_READY_DEADLINE_MS = 120_000;
/** Disk guests run systemd and install kernels (dpkg, update-initramfs): more memory, a slower boot. */
const DISK_VM_MEMORY_MB = 1024;
const DISK_VM_READY_DEADLINE_MS = 300_000;

/** What VM guests boot: a kernel package straight from an initramfs, or a disk with GRUB. */
type VmBoot = { kind: 'initramfs'; assets: VmAssets } | { kind: 'disk'; image: DiskImage };

function bootedRelease(boot: VmBoot): string {
  return boot.kind === 'disk' ? boot.image.kernelRelease : boot.assets.kernelRelease;
}

/** Disk guests accept the key baked into their image: the lab logs in with a copy of it. */
function copyImageKey(image: DiskImage, labDir: string): string {
  const key = path.join(labDir, 'id_ed25519');
  copyFileSync(image.sshKey, key);
  chmodSync(key, 0o600);
  copyFileSync(`${image.sshKey}.pub`, `${key}.pub`);
  return key;
}

/** Per-slot, per-host values a VM lab uses on loopback; the slot's registry claim makes them the lab's own. */
function vmPlan(layout: LabLayout) {
  return {
    ports: Object.fromEntries(layout.hosts.map((host) => [host.hostname, 20_000 + layout.slot * 128 + host.index + 1])),
    segment: { group: `239.255.${layout.slot}.1`, port: 42_000 + layout.slot },
    mac: (index: number) => `52:54:00:fe:${layout.slot.toString(16).padStart(2, '0')}:${(index + 1).toString(16).padStart(2, '0')}`,
  };
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Makes a lab. Everything it makes is recorded before it is made: the slot in the machine's
 * registry (claimed exclusively), the namespaces, links, QEMU pid files, inventory rows and files
 * in lab.json, which is written first. When any step fails, exactly what was recorded is removed
 * again, and nothing else. With `vm`, the hosts are QEMU guests booting a real Debian kernel.
 */
export async function labUp(given: LabRequest & { name: string; hosts: number; vm?: { kernelPackage?: string; disk?: boolean } }): Promise<LabUpResult> {
  const request = absoluteLabDir(given);
  // The path goes into sshd_config, ssh_config and known_hosts, none of which can quote everything.
  if (!/^[A-Za-z0-9._/+@:-]+$/.test(request.labDir)) {
    throw new FleetwaveError('USAGE', `--lab-dir ${JSON.stringify(request.labDir)} holds characters an sshd_config or ssh_config cannot carry safely`, {
      suggestions: ['Use a path of letters, digits and . _ - / + @ : only.'],
    });
  }
  if (request.vm && request.hosts > MAX_VM_HOSTS) {
    throw new FleetwaveError('USAGE', `a VM lab has at most ${MAX_VM_HOSTS} hosts (each is a QEMU guest of ${VM_MEMORY_MB} MB)`, {
      suggestions: ['Use a namespace lab (without --vm) for many hosts.'],
    });
  }
  const existing = readLabState(request.labDir);
  if (existing) {
    throw new FleetwaveError('LAB_EXISTS', `lab "${existing.name}" is already up from ${request.labDir} (${existing.hostCount} hosts)`, {
      suggestions: ['Tear it down first: fleetwave lab down', 'Or use another --lab-dir for a second lab.'],
    });
  }
  const installed = ensureOpenSshServer();
  // Downloads (once) happen before anything is claimed: a missing package fails cleanly here.
  const assets: VmBoot | null = !request.vm ? null : request.vm.disk ? { kind: 'disk', image: ensureDiskImage() } : { kind: 'initramfs', assets: ensureVmAssets(request.vm.kernelPackage) };
  checkDatabase(request.dbPath);
  const dirs = claimLabDir(request.labDir);
  const createdAt = request.clock.now().toISOString();
  const pidFilesOf = (layout: LabLayout) => (assets ? layout.hosts.map((host) => path.join(hostDirectory(request.labDir, host), 'qemu.pid')) : []);
  const networkOf = (layout: LabLayout) => (assets ? { namespaces: [], links: [] } : labNetworkNames(layout));
  let layout: LabLayout;
  try {
    const slot = claimFreeSlot((candidate) => {
      const planned = planLab(request.name, candidate, request.hosts);
      return claimLabSlot({ name: request.name, slot: candidate, labDir: request.labDir, ...networkOf(planned), pidFiles: pidFilesOf(planned), createdAt });
    });
    layout = planLab(request.name, slot, request.hosts);
  } catch (error) {
    removeLabFiles(request.labDir, { dirs, entries: [], namespaces: [], links: [], pidFiles: [] });
    throw error;
  }
  const vm = assets ? vmPlan(layout) : null;
  const sshConfig = path.join(request.labDir, 'ssh_config');
  const rolloutSpec = path.join(request.labDir, 'kernel-rollout.yaml');
  const state: LabState = {
    name: layout.name,
    slot: layout.slot,
    hostCount: layout.hosts.length,
    createdAt,
    sshConfig,
    status: 'creating',
    kind: assets ? 'vm' : 'netns',
    ...(assets && vm ? { vm: { kernelRelease: bootedRelease(assets), kernelPackage: assets.kind === 'disk' ? assets.image.image : assets.assets.kernelPackage, ports: vm.ports } } : {}),
    created: {
      dirs,
      entries: ['lab.json', 'id_ed25519', 'id_ed25519.pub', 'known_hosts', 'ssh_config', 'packages', 'kernel-rollout.yaml', 'hosts'],
      ...networkOf(layout),
      pidFiles: pidFilesOf(layout),
      hosts: layout.hosts.map((host) => host.hostname),
    },
  };
  let kernelPackage = '';
  let imported = false;
  try {
    writeLabState(request.labDir, state);
    const clientKey = assets?.kind === 'disk' ? copyImageKey(assets.image, request.labDir) : createClientKey(request.labDir);
    const clientPublicKey = readFileSync(`${clientKey}.pub`, 'utf8');
    let knownHosts: string[];
    if (assets && vm) {
      for (const [hostname, port] of Object.entries(vm.ports)) {
        if (!(await portFree(port))) throw new Error(`port ${port} on 127.0.0.1 (for ${hostname}) is in use by something else`);
      }
      const base = assets.kind === 'initramfs' ? baseImage(assets.assets) : null;
      knownHosts = layout.hosts.map((host) => {
        const dir = hostDirectory(request.labDir, host);
        mkdirSync(dir, { recursive: true });
        let boot: GuestLaunch['boot'];
        let hostPublicKey: string;
        if (assets.kind === 'disk') {
          boot = { disk: diskOverlay(assets.image, dir) };
          hostPublicKey = assets.image.hostKey;
        } else {
          const guest = guestImage(
            base!,
            { hostname: host.hostname, labAddress: `${host.address}/${layout.prefixLength}`, clientPublicKey, podCidr: labPodCidr(host.index), podRoutes: labPodRoutes(layout.hosts, host.index) },
            dir,
          );
          boot = { kernel: vmKernelImage(assets.assets), initrd: guest.initrd };
          hostPublicKey = guest.hostPublicKey;
        }
        startGuest({
          boot,
          consoleLog: path.join(dir, 'console.log'),
          pidFile: path.join(dir, 'qemu.pid'),
          sshPort: vm.ports[host.hostname]!,
          segment: vm.segment,
          labMac: vm.mac(host.index),
          memoryMb: assets.kind === 'disk' ? DISK_VM_MEMORY_MB : VM_MEMORY_MB,
        });
        const port = vm.ports[host.hostname]!;
        return `[${host.hostname}]:${port},[127.0.0.1]:${port} ${hostPublicKey.split(' ').slice(0, 2).join(' ')}`;
      });
    } else {
      knownHosts = layout.hosts.map((host) => `${host.hostname},${host.address} ${writeHostFiles(request.labDir, host, clientPublicKey).split(' ').slice(0, 2).join(' ')}`);
    }
    writeFileSync(path.join(request.labDir, 'known_hosts'), `${knownHosts.join('\n')}\n`, { mode: 0o600 });
    writeFileSync(sshConfig, sshConfigText(request.labDir, layout, vm?.ports ?? null), { mode: 0o600 });
    if (assets) {
      const silent = await waitForReady(
        layout.hosts.map((host) => path.join(hostDirectory(request.labDir, host), 'console.log')),
        assets.kind === 'disk' ? DISK_VM_READY_DEADLINE_MS : VM_READY_DEADLINE_MS,
      );
      if (silent.length > 0) throw new Error(`${silent.length} guests did not boot to sshd (first: ${silent[0]})`);
    } else {
      mkdirSync(path.join(request.labDir, 'packages'), { recursive: true });
      kernelPackage = buildKernelDeb(path.join(request.labDir, 'packages'), LAB_TARGET_KERNEL, { netkit: true });
      writeFileSync(rolloutSpec, labRolloutSpec(layout.name, kernelPackage, request.clock.now()));
      createLabNetwork(layout);
      for (const host of layout.hosts) startHostSshd(request.labDir, host);
      const silent = await waitForPort22(
        layout.hosts.map((host) => host.address),
        SSHD_READY_DEADLINE_MS,
      );
      if (silent.length > 0) throw new Error(`sshd did not start on ${silent.length} lab hosts (first: ${silent[0]}); see ${request.labDir}/hosts/*/sshd.log`);
    }
    // The hosts and the config that reaches them, in one transaction: commands find the lab's
    // hosts without FLEETWAVE_SSH_CONFIG from the moment they are in the inventory.
    withStore({ path: request.dbPath, create: true }, (store) =>
      store.write(() => {
        store.labs.recordSshConfig(layout.name, sshConfig, request.clock.now().toISOString());
        return applyInventory(
          store,
          layout.hosts.map((host) => ({
            hostname: host.hostname,
            address: vm ? '127.0.0.1' : host.address,
            port: vm ? vm.ports[host.hostname]! : 22,
            user: 'root',
            cluster: `lab-${layout.name}`,
            zone: host.zone,
            rack: host.rack,
            labels: { lab: layout.name, ...(vm ? { 'lab-kind': 'vm' } : {}) },
          })),
          {
            prune: false,
            now: request.clock.now().toISOString(),
            actor: currentActor(request.reason),
            summary: { source: `lab up ${layout.name}`, subnet: layout.subnet, kind: state.kind, sshConfig },
          },
        );
      }),
    );
    imported = true;
    writeLabState(request.labDir, { ...state, status: 'up' });
  } catch (error) {
    await stopGuests(state.created!.pidFiles);
    destroyLabNetwork(state.created!);
    if (imported) {
      withStore({ path: request.dbPath, create: false }, (store) =>
        store.write(() => {
          store.labs.forget(layout.name);
          return removeHosts(store, (host) => host.labels.lab === layout.name && state.created!.hosts!.includes(host.hostname), {
            now: request.clock.now().toISOString(),
            actor: currentActor(request.reason),
            summary: { source: `lab up ${layout.name} (setup failed)` },
          });
        }),
      );
    }
    removeLabFiles(request.labDir, state.created!);
    releaseLabSlot(layout.slot);
    const cause = error instanceof FleetwaveError ? error : null;
    throw new FleetwaveError('LAB_SETUP_FAILED', `lab "${layout.name}" could not be set up, and what it made is removed again: ${(error as Error).message}`, {
      suggestions: [
        ...(cause?.suggestions ?? []),
        request.vm ? "VM labs need qemu-system-x86 and Debian's kernel package (bin/vm-assets.sh fetches both)." : 'The lab needs root, iproute2 and network namespaces.',
      ],
      details: { cause: cause?.code ?? null },
    });
  }
  return {
    name: layout.name,
    slot: layout.slot,
    subnet: layout.subnet,
    kind: state.kind,
    kernel: assets ? bootedRelease(assets) : null,
    hosts: layout.hosts.map(({ hostname, address, zone, rack }) => ({ hostname, address: vm ? '127.0.0.1' : address, port: vm ? vm.ports[hostname]! : 22, labAddress: address, zone, rack })),
    sshConfig,
    rolloutSpec: assets ? null : rolloutSpec,
    kernelPackage: assets ? null : kernelPackage,
    installed,
  };
}
