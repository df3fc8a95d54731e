import { FleetwaveError } from '../../errors.js';
import { LAB_BRIDGE_PATTERN, LAB_NETNS_PATTERN, LAB_RANGE, LAB_SLOTS, LAB_VETH_PATTERN, planLab, type LabLayout } from '../../lab/layout.js';
import { runCommand } from '../system/run-command.js';

/** Every lab namespace on this machine, whatever state files say: `lab down` must work after a crash. */
export function listLabNamespaces(): { netns: string; slot: number }[] {
  return runCommand('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .flatMap((name) => {
      const match = LAB_NETNS_PATTERN.exec(name);
      return match ? [{ netns: name, slot: Number(match[1]) }] : [];
    });
}

/** Root-namespace links of any lab: its bridge and the bridge-side ends of its veth pairs. */
function listLabLinks(): { link: string; slot: number }[] {
  return runCommand('ip', ['-o', 'link', 'show'])
    .split('\n')
    .flatMap((line) => {
      const name = /^\d+:\s+([^:@]+)/.exec(line)?.[1] ?? '';
      const match = LAB_BRIDGE_PATTERN.exec(name) ?? LAB_VETH_PATTERN.exec(name);
      return match ? [{ link: name, slot: Number(match[1]) }] : [];
    });
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function overlaps(a: string, b: string): boolean {
  const [aAddress, aLength] = a.includes('/') ? a.split('/') : [a, '32'];
  const [bAddress, bLength] = b.includes('/') ? b.split('/') : [b, '32'];
  const length = Math.min(Number(aLength), Number(bLength));
  if (length === 0) return true;
  const network = (address: string) => Math.floor(ipv4ToNumber(address) / 2 ** (32 - length));
  return network(aAddress!) === network(bAddress!);
}

/**
 * Claims the first slot with no lab on it, refusing any whose subnet a real route already uses.
 * The claim is the machine registry's file for the slot, created exclusively (see lab-registry.ts).
 */
export function claimFreeSlot(claim: (slot: number) => boolean): number {
  const taken = new Set([...listLabNamespaces().map((entry) => entry.slot), ...listLabLinks().map((entry) => entry.slot)]);
  const routes = runCommand('ip', ['-4', 'route', 'show', 'table', 'all'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((words) => words[0] && words[0] !== 'unreachable' && words[0] !== 'local' && words[0] !== 'broadcast' && words[0] !== 'default')
    .map((words) => words[0]!)
    .filter((prefix) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(prefix));
  for (let slot = 0; slot < LAB_SLOTS; slot += 1) {
    if (taken.has(slot)) continue;
    const { subnet } = planLab('probe', slot, 1);
    if (routes.some((route) => overlaps(route, subnet))) continue;
    if (claim(slot)) return slot;
  }
  throw new FleetwaveError('LAB_UNAVAILABLE', `all ${LAB_SLOTS} lab slots in ${LAB_RANGE} are in use or routed elsewhere`, {
    suggestions: ['Tear down labs you no longer need: fleetwave lab down --all'],
  });
}

/**
 * Builds the bridge, one namespace per host and its veth, in as few processes as possible.
 * An `unreachable` route for the whole lab range stays behind on purpose: a stale inventory can
 * then never send lab traffic out of the machine's real interface.
 */
export function createLabNetwork(layout: LabLayout): void {
  const existing = runCommand('ip', ['-4', 'route', 'show', 'type', 'unreachable']);
  if (!existing.includes(LAB_RANGE)) runCommand('ip', ['route', 'add', 'unreachable', LAB_RANGE, 'metric', '4000']);
  const rootCommands = [
    `link add ${layout.bridge} type bridge`,
    `addr add ${layout.gateway}/${layout.prefixLength} dev ${layout.bridge}`,
    `link set ${layout.bridge} up`,
    ...layout.hosts.flatMap((host) => [`netns add ${host.netns}`, `link add ${host.veth} type veth peer name eth0 netns ${host.netns}`, `link set ${host.veth} master ${layout.bridge} up`]),
  ];
  runCommand('ip', ['-batch', '-'], { input: `${rootCommands.join('\n')}\n` });
  for (const host of layout.hosts) {
    runCommand('ip', ['-n', host.netns, '-batch', '-'], {
      // No default route on purpose: a lab host reaches its /20 and nothing else, even where the
      // machine forwards packets, so a command run on a lab host can never leave the machine.
      input: [`addr add ${host.address}/${layout.prefixLength} dev eth0`, 'link set eth0 up', 'link set lo up'].join('\n') + '\n',
    });
  }
}

/** Kills every process in one namespace (a lab host's "power off"); returns how many were running. */
export function killNamespaceProcesses(netns: string): number {
  const killed = new Set<string>();
  // Until a listing finds nothing: a process forked after one listing (an sshd session accepted
  // meanwhile) would otherwise survive and keep its connection working. Bounded, so a process that
  // will not die cannot hang the caller.
  for (let pass = 0; pass < MAX_KILL_PASSES; pass += 1) {
    const pids = runCommand('ip', ['netns', 'pids', netns]).split('\n').filter(Boolean);
    if (pids.length === 0) return killed.size;
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
        killed.add(pid);
      } catch {
        // Already gone: exactly what we want.
      }
    }
  }
  throw new FleetwaveError('LAB_SETUP_FAILED', `processes in namespace ${netns} survive SIGKILL after ${MAX_KILL_PASSES} passes`, { suggestions: [`See them with: ip netns pids ${netns}`] });
}

const MAX_KILL_PASSES = 50;

/** The namespaces and root-namespace links a lab layout makes: what its records list. */
export function labNetworkNames(layout: LabLayout): { namespaces: string[]; links: string[] } {
  return { namespaces: layout.hosts.map((host) => host.netns), links: [layout.bridge, ...layout.hosts.map((host) => host.veth)] };
}

/**
 * Kills the processes in the recorded namespaces, then removes the recorded links and namespaces
 * that exist; nothing else, whatever its name. Idempotent.
 */
export function destroyLabNetwork(recorded: { namespaces: readonly string[]; links: readonly string[] }): { namespaces: number; processes: number } {
  const present = new Set(listLabNamespaces().map((entry) => entry.netns));
  const namespaces = recorded.namespaces.filter((netns) => present.has(netns));
  const processes = namespaces.reduce((total, netns) => total + killNamespaceProcesses(netns), 0);
  // Links first, explicitly: the kernel tears a deleted namespace down asynchronously, and a veth
  // end left lingering for a moment would collide with the next `lab up` in this slot.
  const links = new Set(listLabLinks().map((entry) => entry.link));
  for (const link of recorded.links.filter((candidate) => links.has(candidate))) runCommand('ip', ['link', 'del', link]);
  for (const netns of namespaces) runCommand('ip', ['netns', 'del', netns]);
  return { namespaces: namespaces.length, processes };
}
