import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import { createLabNetwork, destroyLabNetwork, killNamespaceProcesses, listLabNamespaces, pickFreeSlot } from '../adapters/lab/lab-network.js';
import { buildKernelDeb, LAB_TARGET_KERNEL, labRolloutSpec } from '../adapters/lab/lab-packages.js';
import { createClientKey, hostDirectory, startHostSshd, waitForPort22, writeHostFiles } from '../adapters/lab/lab-hosts.js';
import { FAULT_VALUES, type LabFault } from '../lab/faults.js';
import { withStore } from '../adapters/store/store.js';
import { commandExists, runCommand } from '../adapters/system/run-command.js';
import { FleetwaveError } from '../errors.js';
import type { Host } from '../fleet/host.js';
import { isLabAddress, planLab, type LabLayout } from '../lab/layout.js';
import { LabStateSchema, type LabState } from '../lab/lab-state.js';
import { applyInventory, removeHosts } from './import-inventory.js';

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
  hosts: { hostname: string; address: string; zone: string; rack: string }[];
  sshConfig: string;
  /** A ready kernel rollout spec for this lab, and the simulated kernel package it installs. */
  rolloutSpec: string;
  kernelPackage: string;
  installed: string[];
}

const SSHD_READY_DEADLINE_MS = 30_000;

/**
 * Every path the lab writes into sshd_config and ssh_config must be absolute: sshd re-executes
 * itself for each connection after chdir("/"), where a relative config path no longer resolves.
 */
function absoluteLabDir<T extends { labDir: string }>(request: T): T {
  return { ...request, labDir: path.resolve(request.labDir) };
}

function statePath(labDir: string): string {
  return path.join(labDir, 'lab.json');
}

function readLabState(labDir: string): LabState | null {
  if (!existsSync(statePath(labDir))) return null;
  return LabStateSchema.parse(JSON.parse(readFileSync(statePath(labDir), 'utf8')));
}

/** The lab installs what it needs itself: on a fresh machine that is the OpenSSH server. */
function ensureOpenSshServer(): string[] {
  if (existsSync('/usr/sbin/sshd') && commandExists('ssh-keygen')) return [];
  runCommand('apt-get', ['update', '-q']);
  runCommand('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', 'openssh-server', 'openssh-client']);
  return ['openssh-server'];
}

/** An ordinary OpenSSH client config: `ssh -F LAB_DIR/ssh_config lab-h001` works, and fleetwave reads the same file. */
function sshConfigText(labDir: string, layout: LabLayout): string {
  const common = [
    `Host ${layout.name}-h*`,
    '  User root',
    `  IdentityFile ${path.join(labDir, 'id_ed25519')}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${path.join(labDir, 'known_hosts')}`,
    '  StrictHostKeyChecking yes',
    '  LogLevel ERROR',
  ];
  const perHost = layout.hosts.flatMap((host) => [`Host ${host.hostname}`, `  HostName ${host.address}`]);
  return `# Written by fleetwave lab up for lab "${layout.name}"; removed by lab down.\n${[...perHost, ...common].join('\n')}\n`;
}

export async function labUp(given: LabRequest & { name: string; hosts: number }): Promise<LabUpResult> {
  const request = absoluteLabDir(given);
  const existing = readLabState(request.labDir);
  if (existing) {
    throw new FleetwaveError('LAB_EXISTS', `lab "${existing.name}" is already up from ${request.labDir} (${existing.hostCount} hosts)`, {
      suggestions: ['Tear it down first: fleetwave lab down', 'Or use another --lab-dir for a second lab.'],
    });
  }
  const installed = ensureOpenSshServer();
  const layout = planLab(request.name, pickFreeSlot(), request.hosts);
  mkdirSync(request.labDir, { recursive: true, mode: 0o700 });
  const sshConfig = path.join(request.labDir, 'ssh_config');
  const rolloutSpec = path.join(request.labDir, 'kernel-rollout.yaml');
  let kernelPackage = '';
  try {
    const clientKey = createClientKey(request.labDir);
    const clientPublicKey = readFileSync(`${clientKey}.pub`, 'utf8');
    const knownHosts = layout.hosts.map((host) => `${host.hostname},${host.address} ${writeHostFiles(request.labDir, host, clientPublicKey).split(' ').slice(0, 2).join(' ')}`);
    writeFileSync(path.join(request.labDir, 'known_hosts'), `${knownHosts.join('\n')}\n`, { mode: 0o600 });
    writeFileSync(sshConfig, sshConfigText(request.labDir, layout), { mode: 0o600 });
    mkdirSync(path.join(request.labDir, 'packages'), { recursive: true });
    kernelPackage = buildKernelDeb(path.join(request.labDir, 'packages'), LAB_TARGET_KERNEL, { netkit: true });
    writeFileSync(rolloutSpec, labRolloutSpec(layout.name, kernelPackage, request.clock.now()));
    createLabNetwork(layout);
    for (const host of layout.hosts) startHostSshd(request.labDir, host);
    const state: LabState = { name: layout.name, slot: layout.slot, hostCount: layout.hosts.length, createdAt: request.clock.now().toISOString(), sshConfig };
    writeFileSync(statePath(request.labDir), `${JSON.stringify(state, null, 2)}\n`);
    const silent = await waitForPort22(layout.hosts.map((host) => host.address), SSHD_READY_DEADLINE_MS);
    if (silent.length > 0) throw new Error(`sshd did not start on ${silent.length} lab hosts (first: ${silent[0]}); see ${request.labDir}/hosts/*/sshd.log`);
  } catch (error) {
    destroyLabNetwork(layout.slot);
    rmSync(request.labDir, { recursive: true, force: true });
    throw new FleetwaveError('LAB_SETUP_FAILED', `lab "${layout.name}" could not be set up, and what was made is removed again: ${(error as Error).message}`, {
      suggestions: ['The lab needs root, iproute2 and network namespaces.', 'Clear leftovers from crashed labs with: fleetwave lab down --all'],
    });
  }
  withStore({ path: request.dbPath, create: true }, (store) =>
    applyInventory(
      store,
      layout.hosts.map((host) => ({ hostname: host.hostname, address: host.address, port: 22, user: 'root', cluster: `lab-${layout.name}`, zone: host.zone, rack: host.rack, labels: { lab: layout.name } })),
      { prune: false, now: request.clock.now().toISOString(), actor: currentActor(request.reason), summary: { source: `lab up ${layout.name}`, subnet: layout.subnet } },
    ),
  );
  return {
    name: layout.name,
    slot: layout.slot,
    subnet: layout.subnet,
    hosts: layout.hosts.map(({ hostname, address, zone, rack }) => ({ hostname, address, zone, rack })),
    sshConfig,
    rolloutSpec,
    kernelPackage,
    installed,
  };
}

export interface LabStatusResult {
  name: string | null;
  slot: number | null;
  sshConfig: string | null;
  hosts: { hostname: string; address: string; netns: boolean; sshd: 'up' | 'down' }[];
  /** Lab namespaces on this machine that no lab state accounts for (left by a crash). */
  strayNamespaces: string[];
}

function pidAlive(pidFile: string): boolean {
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}

export function labStatus(given: { labDir: string }): LabStatusResult {
  const request = absoluteLabDir(given);
  const state = readLabState(request.labDir);
  const namespaces = listLabNamespaces();
  if (!state) return { name: null, slot: null, sshConfig: null, hosts: [], strayNamespaces: namespaces.map((entry) => entry.netns) };
  const layout = planLab(state.name, state.slot, state.hostCount);
  const present = new Set(namespaces.map((entry) => entry.netns));
  return {
    name: state.name,
    slot: state.slot,
    sshConfig: state.sshConfig,
    hosts: layout.hosts.map((host) => ({
      hostname: host.hostname,
      address: host.address,
      netns: present.has(host.netns),
      sshd: pidAlive(path.join(hostDirectory(request.labDir, host), 'sshd.pid')) ? 'up' : 'down',
    })),
    strayNamespaces: namespaces.filter((entry) => entry.slot !== state.slot).map((entry) => entry.netns),
  };
}

export interface LabDownResult {
  name: string | null;
  namespacesRemoved: number;
  processesKilled: number;
  hostsRemovedFromInventory: number;
}

/** Removes every process, namespace and file the lab made; with `all`, also labs whose state is lost. */
export function labDown(given: LabRequest & { all: boolean }): LabDownResult {
  const request = absoluteLabDir(given);
  const state = readLabState(request.labDir);
  if (!state && !request.all) {
    throw new FleetwaveError('LAB_NOT_FOUND', `no lab state in ${request.labDir}`, {
      suggestions: ['Point --lab-dir at the lab, or remove every fleetwave lab on this machine: fleetwave lab down --all'],
    });
  }
  const destroyed = destroyLabNetwork(request.all ? 'all' : state!.slot);
  let hostsRemovedFromInventory = 0;
  // After a crash (no state) `--all` still knows lab rows: a lab label and a lab-range address.
  const isThisLabsHost = (host: Host) =>
    state ? host.labels.lab === state.name : host.labels.lab !== undefined && isLabAddress(host.address);
  if ((state || request.all) && existsSync(request.dbPath)) {
    hostsRemovedFromInventory = withStore({ path: request.dbPath, create: false }, (store) =>
      removeHosts(store, isThisLabsHost, {
        now: request.clock.now().toISOString(),
        actor: currentActor(request.reason),
        summary: { source: `lab down ${state?.name ?? '--all'}` },
      }),
    ).length;
  }
  rmSync(request.labDir, { recursive: true, force: true });
  return { name: state?.name ?? null, namespacesRemoved: destroyed.namespaces, processesKilled: destroyed.processes, hostsRemovedFromInventory };
}

export interface LabPowerCycleResult {
  hostname: string;
  up: boolean;
  /** The kernel the simulated boot picked. */
  kernel: string;
  detail: string;
}

function labHost(labDir: string, hostname: string) {
  const state = readLabState(labDir);
  if (!state) throw new FleetwaveError('LAB_NOT_FOUND', `no lab state in ${labDir}`, { suggestions: ['Start one with: fleetwave lab up'] });
  const host = planLab(state.name, state.slot, state.hostCount).hosts.find((candidate) => candidate.hostname === hostname);
  if (!host) throw new FleetwaveError('HOST_NOT_FOUND', `${hostname} is not a host of lab "${state.name}"`, { suggestions: ['List them with: fleetwave lab status'] });
  return host;
}

/**
 * SIMULATION: pulls the power of one lab host and boots it again, as an operator does to a hung
 * machine (IPMI, a PDU): everything in its namespace dies, then it boots the kernel GRUB would pick.
 */
export async function labPowerCycle(given: { labDir: string; hostname: string }): Promise<LabPowerCycleResult> {
  const request = absoluteLabDir(given);
  const host = labHost(request.labDir, request.hostname);
  const dir = hostDirectory(request.labDir, host);
  killNamespaceProcesses(host.netns);
  startHostSshd(request.labDir, host, { boot: true });
  const downSeconds = Number(existsSync(path.join(dir, 'faults', 'down-seconds')) ? readFileSync(path.join(dir, 'faults', 'down-seconds'), 'utf8').trim() : 2) || 2;
  if (existsSync(path.join(dir, 'faults', 'reboot-hangs'))) {
    return { hostname: host.hostname, up: false, kernel: '', detail: 'stays down: the reboot-hangs fault is set (clear it first)' };
  }
  const silent = await waitForPort22([host.address], SSHD_READY_DEADLINE_MS + downSeconds * 1000);
  const kernel = readFileSync(path.join(dir, 'state', 'kernel'), 'utf8').trim();
  return { hostname: host.hostname, up: silent.length === 0, kernel, detail: silent.length === 0 ? `up on ${kernel}` : `did not come back; see ${dir}/boot.log` };
}

export interface LabFaultRequest {
  labDir: string;
  hostname: string;
  fault: LabFault;
  value?: string;
  clear: boolean;
}

export interface LabFaultResult {
  hostname: string;
  fault: LabFault;
  active: boolean;
  value: string | null;
}

/** Sets or clears one fault on one lab host. `unreachable` stops sshd; clearing it starts sshd again. */
export async function labFault(given: LabFaultRequest): Promise<LabFaultResult> {
  const request = absoluteLabDir(given);
  const host = labHost(request.labDir, request.hostname);
  const needsValue = FAULT_VALUES[request.fault];
  if (needsValue && !request.clear && !request.value) {
    throw new FleetwaveError('USAGE', `fault ${request.fault} needs --value: ${needsValue}`, { suggestions: [`fleetwave lab fault ${request.hostname} ${request.fault} --value ...`] });
  }
  const dir = hostDirectory(request.labDir, host);
  const faultFile = path.join(dir, 'faults', request.fault === 'bad-kernel' ? 'bad-kernels' : request.fault);
  mkdirSync(path.dirname(faultFile), { recursive: true });
  if (request.fault === 'unreachable') {
    if (request.clear) {
      startHostSshd(request.labDir, host);
      const silent = await waitForPort22([host.address], SSHD_READY_DEADLINE_MS);
      if (silent.length > 0) throw new FleetwaveError('LAB_SETUP_FAILED', `sshd on ${host.hostname} did not come back; see ${dir}/sshd.log`);
    } else {
      // Everything in the host's namespace goes: the listener and every open session.
      killNamespaceProcesses(host.netns);
    }
  } else if (request.clear) {
    rmSync(faultFile, { force: true });
  } else {
    writeFileSync(faultFile, `${request.value ?? ''}\n`, { flag: request.fault === 'bad-kernel' ? 'a' : 'w' });
  }
  return { hostname: host.hostname, fault: request.fault, active: !request.clear, value: request.value ?? null };
}
