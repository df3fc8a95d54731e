import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hostDirectory, startHostSshd, waitForPort22 } from '../../adapters/lab/lab-hosts.js';
import { guestPid } from '../../adapters/lab/vm-guests.js';
import { killNamespaceProcesses, listLabNamespaces } from '../../adapters/lab/lab-network.js';
import { recordedLabs } from '../../adapters/lab/lab-registry.js';
import { FleetwaveError } from '../../errors.js';
import { FAULT_VALUES, type LabFault } from '../../lab/faults.js';
import { planLab } from '../../lab/layout.js';
import { absoluteLabDir, readLabState } from './lab-files.js';
import { SSHD_READY_DEADLINE_MS } from './lab-up.js';

export interface LabStatusResult {
  name: string | null;
  slot: number | null;
  sshConfig: string | null;
  /** `creating`: lab up is still running, or crashed half way (lab down removes what it made). */
  status: 'creating' | 'up' | null;
  /** netns: namespace hosts with simulated kernels; vm: QEMU guests running a real kernel (`kernel`). */
  kind: 'netns' | 'vm' | null;
  kernel: string | null;
  /** For VM hosts, `sshd` is up while the guest's QEMU runs, and `netns` is false (they have none). */
  hosts: { hostname: string; address: string; netns: boolean; sshd: 'up' | 'down' }[];
  /** Other labs this machine has a record of, by name and directory. */
  otherLabs: { name: string; slot: number; labDir: string }[];
  /** Namespaces named like a lab's that no lab recorded making: fleetwave never removes them. */
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
  const records = recordedLabs();
  const recorded = new Set(records.flatMap((record) => record.namespaces));
  const strayNamespaces = namespaces.filter((entry) => !recorded.has(entry.netns)).map((entry) => entry.netns);
  const otherLabs = records.filter((record) => record.slot !== state?.slot).map(({ name, slot, labDir }) => ({ name, slot, labDir }));
  if (!state) return { name: null, slot: null, sshConfig: null, status: null, kind: null, kernel: null, hosts: [], otherLabs, strayNamespaces };
  const layout = planLab(state.name, state.slot, state.hostCount);
  const present = new Set(namespaces.map((entry) => entry.netns));
  return {
    name: state.name,
    slot: state.slot,
    sshConfig: state.sshConfig,
    status: state.status,
    kind: state.kind,
    kernel: state.vm?.kernelRelease ?? null,
    hosts: layout.hosts.map((host) =>
      state.kind === 'vm'
        ? {
            hostname: host.hostname,
            address: `127.0.0.1:${state.vm?.ports[host.hostname] ?? '?'}`,
            netns: false,
            sshd: guestPid(path.join(hostDirectory(request.labDir, host), 'qemu.pid')) === null ? 'down' : 'up',
          }
        : { hostname: host.hostname, address: host.address, netns: present.has(host.netns), sshd: pidAlive(path.join(hostDirectory(request.labDir, host), 'sshd.pid')) ? 'up' : 'down' },
    ),
    otherLabs,
    strayNamespaces,
  };
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
  if (state.kind === 'vm') {
    throw new FleetwaveError('USAGE', `lab "${state.name}" is a VM lab: its hosts run a real kernel, and faults and power cycles are simulated on namespace lab hosts only`, {
      suggestions: ['Break a VM guest for real over SSH instead, or use a namespace lab (lab up without --vm).'],
    });
  }
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
