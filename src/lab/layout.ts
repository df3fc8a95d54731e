/**
 * Where a lab's hosts live. Pure: the same name, slot and size always give the same layout.
 *
 * Addresses come from 198.18.0.0/15, the range RFC 2544 reserves for benchmark labs, cut into
 * 32 slots of /20 so that several labs (a developer's and the test suite's) can run at once.
 */
export const LAB_RANGE = '198.18.0.0/15';
export const LAB_SLOTS = 32;
export const MAX_LAB_HOSTS = 4000;
const ZONES = ['lab-a', 'lab-b', 'lab-c'];
const HOSTS_PER_RACK = 4;

export interface LabHostLayout {
  index: number;
  hostname: string;
  address: string;
  netns: string;
  /** The bridge-side end of the host's veth pair, in the root namespace. */
  veth: string;
  zone: string;
  rack: string;
}

export interface LabLayout {
  name: string;
  slot: number;
  bridge: string;
  gateway: string;
  prefixLength: 20;
  subnet: string;
  hosts: LabHostLayout[];
}

/** True for addresses inside 198.18.0.0/15, whichever lab slot they belong to. */
export function isLabAddress(address: string): boolean {
  const octets = address.split('.').map(Number);
  return octets.length === 4 && octets[0] === 198 && (octets[1] === 18 || octets[1] === 19);
}

function slotBase(slot: number): number {
  // 198.18.0.0 as a 32-bit number, plus 4096 addresses per slot.
  return ((198 << 24) | (18 << 16)) + slot * 4096;
}

function dotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

export function planLab(name: string, slot: number, hostCount: number): LabLayout {
  if (!Number.isInteger(slot) || slot < 0 || slot >= LAB_SLOTS) throw new RangeError(`lab slot must be 0-${LAB_SLOTS - 1}`);
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > MAX_LAB_HOSTS) throw new RangeError(`a lab has 1-${MAX_LAB_HOSTS} hosts`);
  const base = slotBase(slot);
  const width = Math.max(3, String(hostCount).length);
  const hosts = Array.from({ length: hostCount }, (_, index) => {
    const zone = ZONES[index % ZONES.length]!;
    const rackInZone = Math.floor(Math.floor(index / ZONES.length) / HOSTS_PER_RACK) + 1;
    return {
      index,
      hostname: `${name}-h${String(index + 1).padStart(width, '0')}`,
      address: dotted(base + 2 + index),
      netns: `fwlab${slot}-h${index + 1}`,
      veth: `fwl${slot}h${index + 1}`,
      zone,
      rack: `${zone}-r${String(rackInZone).padStart(2, '0')}`,
    };
  });
  return { name, slot, bridge: `fwlab${slot}`, gateway: dotted(base + 1), prefixLength: 20, subnet: `${dotted(base)}/20`, hosts };
}

/** Namespace and link names of any fleetwave lab, found even when the lab's state is lost. */
export const LAB_NETNS_PATTERN = /^fwlab(\d+)-h\d+$/;
export const LAB_BRIDGE_PATTERN = /^fwlab(\d+)$/;
export const LAB_VETH_PATTERN = /^fwl(\d+)h\d+$/;

/**
 * The pod CIDR of a VM lab guest (10.245.N.0/24, N = host index + 1), written to its
 * /etc/fleetwave/pod-cidr, and the routes to every other guest's pods through their lab addresses:
 * what a cluster's routing (BGP, a cloud's routes) gives real nodes.
 */
export function labPodCidr(index: number): string {
  return `10.245.${index + 1}.0/24`;
}

export function labPodRoutes(hosts: ReadonlyArray<{ index: number; address: string }>, self: number): Array<{ cidr: string; via: string }> {
  return hosts.filter((host) => host.index !== self).map((host) => ({ cidr: labPodCidr(host.index), via: host.address }));
}
