import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type AclCommitPlan, type AppliedRuleSet, DumpedEntrySchema, counterLookups, decodeConfig, decodeRuleEntry, planAclCommit, sumPerCpuCounter, type NodeAclState } from './encode.js';
import { shellQuote } from '../../rollout/template.js';
import type { CompiledAcl } from './rules.js';

/** How fleetwave reaches one node's shell: SSH in production, a local namespace in tests. */
export interface NodeShell {
  run(command: string, stdin?: string): Promise<{ exitCode: number | null; stdout: string; stderr: string }>;
}

/** Where the node keeps fleetwave's datapath: helpers, bpffs root, state directory. */
export interface NodeLayout {
  /** The fleetwave-acl helper on the node. */
  aclHelper: string;
  bpffs: string;
}

export const DEFAULT_NODE_LAYOUT: NodeLayout = { aclHelper: '/opt/fleetwave/bin/fleetwave-acl', bpffs: '/sys/fs/bpf/fleetwave' };

/** The exit status fleetwave-acl commit gives when the node's set changed since it was read. */
const CHANGED_UNDERNEATH = 75;

const ShowSchema = z.union([z.object({ loaded: z.literal(false) }), z.object({ loaded: z.literal(true), config: z.array(z.string()), rules: z.array(DumpedEntrySchema), applied: z.unknown() })]);

export class NodeAclError extends Error {}
/** The node has no ACL program loaded (the CNI playbook loads it): nothing to read or apply. */
export class AclNotLoadedError extends NodeAclError {}

function helper(layout: NodeLayout, args: string): string {
  return `FLEETWAVE_BPFFS=${shellQuote(layout.bpffs)} ${shellQuote(layout.aclHelper)} ${args}`;
}

async function runChecked(node: NodeShell, command: string, stdin?: string): Promise<string> {
  const result = await node.run(command, stdin);
  if (result.exitCode !== 0) throw new NodeAclError(`${command.split(' ').slice(-2).join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout;
}

export interface NodeAclReading {
  state: NodeAclState;
  applied: AppliedRuleSet | null;
}

/** What the node has in force: the maps' bytes decoded, and the record of the set that put it there. */
export async function readNodeAcl(node: NodeShell, layout: NodeLayout): Promise<NodeAclReading> {
  const shown = ShowSchema.parse(JSON.parse(await runChecked(node, helper(layout, 'show'))));
  if (!shown.loaded) throw new AclNotLoadedError(`the ACL program is not loaded on this node (no ${layout.bpffs}/acl/prog); the CNI playbook loads it`);
  const config = decodeConfig(shown.config);
  return {
    state: { ...config, entries: shown.rules.map(decodeRuleEntry) },
    applied: (shown.applied as AppliedRuleSet | null) ?? null,
  };
}

export function ruleSetSha256(acl: CompiledAcl): string {
  return createHash('sha256').update(JSON.stringify(acl)).digest('hex');
}

export interface AclApplyOutcome {
  generation: number;
  rules: number;
  sha256: string;
  /** True when the node already had exactly this set in force: nothing was written. */
  unchanged: boolean;
}

/**
 * Puts a compiled rule set in force on one node, all or nothing: read, plan, commit if the node is
 * still where the plan started (else read and plan again, a few times).
 */
export async function applyNodeAcl(node: NodeShell, layout: NodeLayout, acl: CompiledAcl, options: { attempts?: number } = {}): Promise<AclApplyOutcome> {
  const sha256 = ruleSetSha256(acl);
  for (let attempt = 1; ; attempt += 1) {
    const reading = await readNodeAcl(node, layout);
    if (reading.applied?.sha256 === sha256 && reading.applied.generation === reading.state.generation) {
      return { generation: reading.state.generation, rules: acl.entries.length, sha256, unchanged: true };
    }
    const plan = planAclCommit(reading.state, acl, sha256, layout.bpffs);
    const result = await node.run(commitCommand(layout, plan.expectedGeneration), commitInput(plan));
    if (result.exitCode === 0) return { generation: plan.newGeneration, rules: acl.entries.length, sha256, unchanged: false };
    if (result.exitCode !== CHANGED_UNDERNEATH || attempt >= (options.attempts ?? 3)) {
      throw new NodeAclError(`the rule set was not committed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    }
  }
}

export function commitCommand(layout: NodeLayout, expectedGeneration: number): string {
  return helper(layout, `commit ${generationBytes(expectedGeneration)}`);
}

/** fleetwave-acl commit's stdin: the applied-set record on one line, then the batch. */
export function commitInput(plan: Pick<AclCommitPlan, 'applied' | 'batch'>): string {
  return `${JSON.stringify(plan.applied)}\n${plan.batch.join('\n')}\n`;
}

/** The generation as fleetwave-acl compares it: acl_config's first four bytes as bpftool prints them. */
export function generationBytes(generation: number): string {
  return [0, 8, 16, 24].map((shift) => `0x${((generation >>> shift) & 0xff).toString(16).padStart(2, '0')}`).join(',');
}

export interface RuleCounters {
  ruleId: number;
  name: string;
  action: 'allow' | 'deny';
  match: string;
  packets: number;
  bytes: number;
}

/** `bpftool -j batch` of counterLookups: acl_config's value, then each per-CPU counter. */
const BatchLookupSchema = z.tuple([z.object({ output: z.object({ value: z.array(z.string()) }) })], z.object({ output: z.object({ values: z.array(z.object({ value: z.array(z.string()) })) }) }));

export interface RuleCountsReading {
  /** The generation in force when the counters were read: counts of another generation are not comparable. */
  generationInForce: number;
  counts: Map<number, { packets: number; bytes: number }>;
}

/** The counters of some rules of one generation, summed over CPUs, in one batch with the generation in force. */
export async function readRuleCounts(node: NodeShell, layout: NodeLayout, generation: number, ruleIds: readonly number[]): Promise<RuleCountsReading> {
  const output = await runChecked(node, helper(layout, 'read'), `${counterLookups(generation, ruleIds, layout.bpffs).join('\n')}\n`);
  const [config, ...counters] = BatchLookupSchema.parse(JSON.parse(output));
  return {
    generationInForce: decodeConfig(config.output.value).generation,
    counts: new Map(ruleIds.map((ruleId, index) => [ruleId, sumPerCpuCounter(counters[index]!.output.values)])),
  };
}

/** Per-rule counters of the set in force, summed over CPUs; rule 0 is "no rule matched". */
export async function readNodeAclCounters(node: NodeShell, layout: NodeLayout): Promise<{ generation: number; sha256: string | null; counters: RuleCounters[] }> {
  const { state, applied } = await readNodeAcl(node, layout);
  // The record describes the set in force only when it names the generation in force.
  const current = applied && applied.generation === state.generation ? applied : null;
  const rules = current?.rules ?? [];
  const unmatched = { ruleId: 0, name: 'no rule matched', action: state.defaultDeny ? 'deny' : 'allow', match: 'default' } as const;
  const listed = [unmatched, ...rules];
  const { counts } = await readRuleCounts(
    node,
    layout,
    state.generation,
    listed.map((rule) => rule.ruleId),
  );
  return {
    generation: state.generation,
    sha256: current?.sha256 ?? null,
    counters: listed.map((rule) => ({ ...rule, ...counts.get(rule.ruleId)! })),
  };
}
