import { z } from 'zod';
import { MAX_RULES, PROTOCOL_NUMBERS, describeMatch, type AclEntry, type AclProtocol, type CompiledAcl } from './rules.js';

/**
 * The byte layouts of bpf/acl.bpf.c's maps, and the bpftool batch that replaces a node's rule set
 * atomically. Pure: the node helper (bpf/cni/fleetwave-acl) only checks that the generation it
 * was planned against is still in force, under a lock, and runs the batch.
 *
 * Multi-byte fields the program reads as numbers (prefixlen, generation, action, rule, counter
 * slots) are little-endian: fleet nodes are x86-64 or arm64. Port and address are in network order,
 * as they are in the packet.
 */

/** The bits of an acl_key before the address: generation (32), protocol (8), pad (8), port (16). */
const KEY_FIXED_BITS = 64;
/** Counter slots per generation; generation g counts in half (g & 1). */
export const RULES_PER_GENERATION = MAX_RULES + 1;

export const NODE_PATHS = {
  program: 'acl/prog',
  rules: 'acl/maps/acl_rules',
  config: 'acl/maps/acl_config',
  counters: 'acl/maps/acl_counters',
} as const;

function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}
function u32be(value: number): number[] {
  return u32le(value).reverse();
}
function hex(bytes: readonly number[]): string {
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

export function encodeRuleKey(entry: Pick<AclEntry, 'protocol' | 'port' | 'address' | 'prefixLength'>, generation: number): number[] {
  return [...u32le(KEY_FIXED_BITS + entry.prefixLength), ...u32le(generation), entry.protocol, 0, (entry.port >>> 8) & 0xff, entry.port & 0xff, ...u32be(entry.address)];
}

export function encodeRuleValue(entry: Pick<AclEntry, 'deny' | 'ruleId'>): number[] {
  return [...u32le(entry.deny ? 1 : 0), ...u32le(entry.ruleId)];
}

export function counterSlot(generation: number, ruleId: number): number {
  return (generation & 1) * RULES_PER_GENERATION + ruleId;
}

/** A map entry as `bpftool -j map dump` prints it: bytes as "0x.." strings. */
export const DumpedEntrySchema = z.object({ key: z.array(z.string()), value: z.array(z.string()).optional() }).passthrough();
export type DumpedEntry = z.infer<typeof DumpedEntrySchema>;

export function bytesOf(hexBytes: readonly string[]): number[] {
  return hexBytes.map((text) => {
    const value = Number.parseInt(text, 16);
    if (!Number.isInteger(value) || value < 0 || value > 255) throw new Error(`not a byte: ${text}`);
    return value;
  });
}

function readU32le(bytes: readonly number[], offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

/** One entry of a node's rule map, read back. */
export interface InstalledEntry {
  generation: number;
  protocol: number;
  port: number;
  address: number;
  prefixLength: number;
  deny: boolean;
  ruleId: number;
  keyBytes: number[];
}

export function decodeRuleEntry(entry: DumpedEntry): InstalledEntry {
  const key = bytesOf(entry.key);
  const value = bytesOf(entry.value ?? []);
  if (key.length !== 16 || value.length !== 8) throw new Error(`an acl_rules entry has ${key.length} key and ${value.length} value bytes, not 16 and 8: another program's map?`);
  return {
    prefixLength: readU32le(key, 0) - KEY_FIXED_BITS,
    generation: readU32le(key, 4),
    protocol: key[8]!,
    port: (key[10]! << 8) | key[11]!,
    address: ((key[12]! << 24) | (key[13]! << 16) | (key[14]! << 8) | key[15]!) >>> 0,
    deny: readU32le(value, 0) === 1,
    ruleId: readU32le(value, 4),
    keyBytes: key,
  };
}

/** acl_config's one value: the generation in force and the default action. */
export function decodeConfig(value: readonly string[]): { generation: number; defaultDeny: boolean } {
  const bytes = bytesOf(value);
  if (bytes.length !== 8) throw new Error(`acl_config holds ${bytes.length} bytes, not 8`);
  return { generation: readU32le(bytes, 0), defaultDeny: readU32le(bytes, 4) === 1 };
}

/** Per-CPU counters as `bpftool -j map lookup` prints them, summed over CPUs. */
export function sumPerCpuCounter(values: ReadonlyArray<{ value: readonly string[] }>): { packets: number; bytes: number } {
  let packets = 0;
  let bytes = 0;
  for (const { value } of values) {
    const raw = bytesOf(value);
    // u64 little-endian; counters below 2^53 are exact as numbers.
    packets += readU32le(raw, 0) + readU32le(raw, 4) * 2 ** 32;
    bytes += readU32le(raw, 8) + readU32le(raw, 12) * 2 ** 32;
  }
  return { packets, bytes };
}

export interface NodeAclState {
  generation: number;
  defaultDeny: boolean;
  entries: InstalledEntry[];
}

/** The record of the set in force that the node keeps beside the maps, so counters have names. */
export interface AppliedRuleSet {
  generation: number;
  sha256: string;
  defaultAction: 'allow' | 'deny';
  rules: Array<{ ruleId: number; name: string; action: 'allow' | 'deny'; match: string }>;
}

export interface AclCommitPlan {
  /** Committed only if the node still has this generation in force (compare-and-set). */
  expectedGeneration: number;
  newGeneration: number;
  /** bpftool batch lines, MAP paths relative to the node's bpffs root, written as {BPFFS}/... */
  batch: string[];
  applied: AppliedRuleSet;
}

/**
 * Replaces the node's rule set: entries not in force are cleared first (leftovers of an apply that
 * died), the new set is written under the next generation with its counters zeroed, one update of
 * acl_config puts it in force, then the old generation's entries are deleted. If the batch stops
 * anywhere before the flip, the old set stays in force untouched; after it, only cleanup remains,
 * which the next apply finishes.
 */
export function planAclCommit(current: NodeAclState, acl: CompiledAcl, sha256: string, bpffs: string): AclCommitPlan {
  const newGeneration = (current.generation + 1) >>> 0;
  const path = (relative: string) => `${bpffs}/${relative}`;
  const lines: string[] = [];
  for (const entry of current.entries) {
    if (entry.generation !== current.generation) lines.push(`map delete pinned ${path(NODE_PATHS.rules)} key hex ${hex(entry.keyBytes)}`);
  }
  for (const entry of acl.entries) {
    lines.push(`map update pinned ${path(NODE_PATHS.rules)} key hex ${hex(encodeRuleKey(entry, newGeneration))} value hex ${hex(encodeRuleValue(entry))}`);
  }
  for (let ruleId = 0; ruleId <= acl.entries.length; ruleId += 1) {
    lines.push(`map update pinned ${path(NODE_PATHS.counters)} key hex ${hex(u32le(counterSlot(newGeneration, ruleId)))} value hex ${hex(new Array(16).fill(0))}`);
  }
  lines.push(`map update pinned ${path(NODE_PATHS.config)} key hex 00 00 00 00 value hex ${hex([...u32le(newGeneration), ...u32le(acl.defaultDeny ? 1 : 0)])}`);
  for (const entry of current.entries) {
    if (entry.generation === current.generation) lines.push(`map delete pinned ${path(NODE_PATHS.rules)} key hex ${hex(entry.keyBytes)}`);
  }
  return {
    expectedGeneration: current.generation,
    newGeneration,
    batch: lines,
    applied: {
      generation: newGeneration,
      sha256,
      defaultAction: acl.defaultDeny ? 'deny' : 'allow',
      rules: acl.entries.map((entry) => ({
        ruleId: entry.ruleId,
        name: entry.name,
        action: entry.deny ? 'deny' : 'allow',
        match: describeMatch({ to: { address: entry.address, prefixLength: entry.prefixLength }, protocol: protocolName(entry.protocol), port: entry.port === 0 ? undefined : entry.port }),
      })),
    },
  };
}

/**
 * The lookups that read the counters of the given rules of a generation (rule 0: no rule matched),
 * after one lookup of acl_config, so that one batch tells whether that generation is still in force.
 */
export function counterLookups(generation: number, ruleIds: readonly number[], bpffs: string): string[] {
  return [
    `map lookup pinned ${bpffs}/${NODE_PATHS.config} key hex ${hex(u32le(0))}`,
    ...ruleIds.map((ruleId) => `map lookup pinned ${bpffs}/${NODE_PATHS.counters} key hex ${hex(u32le(counterSlot(generation, ruleId)))}`),
  ];
}

const PROTOCOL_NAMES = new Map(Object.entries(PROTOCOL_NUMBERS).map(([name, number]) => [number as number, name as AclProtocol]));
function protocolName(protocol: number): AclProtocol {
  return PROTOCOL_NAMES.get(protocol) ?? 'any';
}

/** The installed set in force, as entries comparable with a compiled one (for tests and `acl stats`). */
export function entriesInForce(state: NodeAclState): Array<Omit<InstalledEntry, 'keyBytes' | 'generation'>> {
  return state.entries
    .filter((entry) => entry.generation === state.generation)
    .map(({ keyBytes: _keyBytes, generation: _generation, ...rest }) => rest)
    .sort((a, b) => a.ruleId - b.ruleId);
}
