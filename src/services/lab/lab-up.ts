import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { currentActor } from '../../adapters/actor.js';
import type { Clock } from '../../adapters/clock.js';
import { createClientKey, startHostSshd, waitForPort22, writeHostFiles } from '../../adapters/lab/lab-hosts.js';
import { claimFreeSlot, destroyLabNetwork, createLabNetwork, labNetworkNames } from '../../adapters/lab/lab-network.js';
import { buildKernelDeb, LAB_TARGET_KERNEL, labRolloutSpec } from '../../adapters/lab/lab-packages.js';
import { claimLabSlot, releaseLabSlot } from '../../adapters/lab/lab-registry.js';
import { withStore } from '../../adapters/store/store.js';
import { commandExists, runCommand } from '../../adapters/system/run-command.js';
import { FleetwaveError } from '../../errors.js';
import { planLab, type LabLayout } from '../../lab/layout.js';
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
  hosts: { hostname: string; address: string; zone: string; rack: string }[];
  sshConfig: string;
  /** A ready kernel rollout spec for this lab, and the simulated kernel package it installs. */
  rolloutSpec: string;
  kernelPackage: string;
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

/** The inventory must take the lab's hosts: a bad --db (missing directory, read-only, not SQLite) fails here, before anything is made. */
function checkDatabase(dbPath: string): void {
  withStore({ path: dbPath, create: true }, (store) => store.write(() => undefined));
}

/**
 * Makes a lab. Everything it makes is recorded before it is made: the slot in the machine's
 * registry (claimed exclusively), the namespaces, links and files in lab.json, which is written
 * first. When any step fails, exactly what was recorded is removed again, and nothing else.
 */
export async function labUp(given: LabRequest & { name: string; hosts: number }): Promise<LabUpResult> {
  const request = absoluteLabDir(given);
  // The path goes into sshd_config, ssh_config and known_hosts, none of which can quote everything.
  if (!/^[A-Za-z0-9._/+@:-]+$/.test(request.labDir)) {
    throw new FleetwaveError('USAGE', `--lab-dir ${JSON.stringify(request.labDir)} holds characters an sshd_config or ssh_config cannot carry safely`, {
      suggestions: ['Use a path of letters, digits and . _ - / + @ : only.'],
    });
  }
  const existing = readLabState(request.labDir);
  if (existing) {
    throw new FleetwaveError('LAB_EXISTS', `lab "${existing.name}" is already up from ${request.labDir} (${existing.hostCount} hosts)`, {
      suggestions: ['Tear it down first: fleetwave lab down', 'Or use another --lab-dir for a second lab.'],
    });
  }
  const installed = ensureOpenSshServer();
  checkDatabase(request.dbPath);
  const dirs = claimLabDir(request.labDir);
  const createdAt = request.clock.now().toISOString();
  let layout: LabLayout;
  try {
    const slot = claimFreeSlot((candidate) => claimLabSlot({ name: request.name, slot: candidate, labDir: request.labDir, ...labNetworkNames(planLab(request.name, candidate, request.hosts)), createdAt }));
    layout = planLab(request.name, slot, request.hosts);
  } catch (error) {
    removeLabFiles(request.labDir, { dirs, entries: [], namespaces: [], links: [] });
    throw error;
  }
  const sshConfig = path.join(request.labDir, 'ssh_config');
  const rolloutSpec = path.join(request.labDir, 'kernel-rollout.yaml');
  const state: LabState = {
    name: layout.name,
    slot: layout.slot,
    hostCount: layout.hosts.length,
    createdAt,
    sshConfig,
    status: 'creating',
    created: { dirs, entries: ['lab.json', 'id_ed25519', 'id_ed25519.pub', 'known_hosts', 'ssh_config', 'packages', 'kernel-rollout.yaml', 'hosts'], ...labNetworkNames(layout) },
  };
  let kernelPackage = '';
  let imported = false;
  try {
    writeLabState(request.labDir, state);
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
    const silent = await waitForPort22(layout.hosts.map((host) => host.address), SSHD_READY_DEADLINE_MS);
    if (silent.length > 0) throw new Error(`sshd did not start on ${silent.length} lab hosts (first: ${silent[0]}); see ${request.labDir}/hosts/*/sshd.log`);
    withStore({ path: request.dbPath, create: true }, (store) =>
      applyInventory(
        store,
        layout.hosts.map((host) => ({ hostname: host.hostname, address: host.address, port: 22, user: 'root', cluster: `lab-${layout.name}`, zone: host.zone, rack: host.rack, labels: { lab: layout.name } })),
        { prune: false, now: request.clock.now().toISOString(), actor: currentActor(request.reason), summary: { source: `lab up ${layout.name}`, subnet: layout.subnet } },
      ),
    );
    imported = true;
    writeLabState(request.labDir, { ...state, status: 'up' });
  } catch (error) {
    destroyLabNetwork(state.created!);
    if (imported) {
      withStore({ path: request.dbPath, create: false }, (store) =>
        removeHosts(store, (host) => host.labels.lab === layout.name && layout.hosts.some((planned) => planned.hostname === host.hostname), {
          now: request.clock.now().toISOString(),
          actor: currentActor(request.reason),
          summary: { source: `lab up ${layout.name} (setup failed)` },
        }),
      );
    }
    removeLabFiles(request.labDir, state.created!);
    releaseLabSlot(layout.slot);
    const cause = error instanceof FleetwaveError ? error : null;
    throw new FleetwaveError('LAB_SETUP_FAILED', `lab "${layout.name}" could not be set up, and what it made is removed again: ${(error as Error).message}`, {
      suggestions: [...(cause?.suggestions ?? []), 'The lab needs root, iproute2 and network namespaces.'],
      details: { cause: cause?.code ?? null },
    });
  }
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
