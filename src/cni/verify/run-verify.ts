import { randomBytes } from 'node:crypto';
import { entriesInForce } from '../acl/encode.js';
import { AclNotLoadedError, readNodeAcl, readRuleCounts, type NodeLayout, type NodeShell } from '../acl/node-acl.js';
import type { CompiledAcl } from '../acl/rules.js';
import { shellQuote } from '../../rollout/template.js';
import {
  judgeCell,
  judgeCounters,
  NodeUpSchema,
  planProbes,
  summarizeMatrix,
  type CellVerdict,
  type CounterCheck,
  type CounterReading,
  type NodeMatrix,
  type NodeUp,
  type VerifyNode,
} from './matrix.js';

export interface VerifyTarget {
  hostname: string;
  shell: NodeShell;
  /** Where this node keeps the datapath, when it differs from the run's layout. */
  layout?: VerifyLayout;
}

export interface VerifyLayout extends NodeLayout {
  /** The fleetwave-verify helper on the node. */
  verifyHelper: string;
}

export interface VerifyOutcome {
  run: string;
  nodes: NodeMatrix[];
  ok: number;
  failed: number;
  untestable: number;
  /** The ACL counter checks of all nodes, by status: a failed one fails the run like a failed cell. */
  counters: { ok: number; failed: number; untestable: number };
  /** What the cleanup found left over from earlier runs, per node. */
  leftovers: Array<{ hostname: string; removed: string[] }>;
}

/** A node whose helper could not even run: both test pods count as not made, with the reason. */
function unreachableUp(reason: string): NodeUp {
  return { simulated: false, hostAddress: '', pods: (['veth', 'netkit'] as const).map((requested) => ({ requested, device: null, address: null, fallback: null, error: reason })) };
}

interface NodeAclInForce {
  acl: CompiledAcl;
  generation: number;
}

async function nodeAcl(shell: NodeShell, layout: NodeLayout): Promise<NodeAclInForce | null> {
  try {
    const { state } = await readNodeAcl(shell, layout);
    return { acl: { defaultDeny: state.defaultDeny, entries: entriesInForce(state).map((entry) => ({ ...entry, name: `rule-${entry.ruleId}` })) }, generation: state.generation };
  } catch (error) {
    if (error instanceof AclNotLoadedError) return null;
    throw error;
  }
}

async function packetCounts(shell: NodeShell, layout: NodeLayout, inForce: NodeAclInForce): Promise<CounterReading | { problem: string }> {
  try {
    const ruleIds = [0, ...inForce.acl.entries.map((entry) => entry.ruleId)];
    const { generationInForce, counts } = await readRuleCounts(shell, layout, inForce.generation, ruleIds);
    return { generationInForce, packets: new Map([...counts].map(([ruleId, count]) => [ruleId, count.packets])) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/**
 * The imperative shell of `cni verify`: clean leftovers of earlier runs, make the test pods on every
 * node, probe the planned cells from each node, judge them, and remove the pods again (in finally:
 * also when a probe throws). Nodes are worked on at once; each node's own steps run in order.
 */
export async function runVerify(targets: readonly VerifyTarget[], layout: VerifyLayout, options: { requireNetkit?: boolean; run?: string } = {}): Promise<VerifyOutcome> {
  const run = options.run ?? randomBytes(4).toString('hex');
  const layoutOf = (target: VerifyTarget) => target.layout ?? layout;
  const helperFor = (target: VerifyTarget, args: string) => `${shellQuote(layoutOf(target).verifyHelper)} ${args}`;
  const leftovers = await Promise.all(
    targets.map(async (target) => {
      const result = await target.shell.run(helperFor(target, 'down all')).catch(() => ({ exitCode: null, stdout: '', stderr: '' }));
      return {
        hostname: target.hostname,
        removed: result.stdout
          .split('\n')
          .filter((line) => line.startsWith('removed '))
          .map((line) => line.slice('removed '.length))
          .sort(),
      };
    }),
  );
  const aclInForce = new Map<string, NodeAclInForce | null>();
  const counterChecks = new Map<string, CounterCheck[]>();
  try {
    const nodes: VerifyNode[] = await Promise.all(
      targets.map(async (target) => {
        let up: NodeUp;
        try {
          const result = await target.shell.run(helperFor(target, `up ${run}`));
          up = result.exitCode === 0 ? NodeUpSchema.parse(JSON.parse(result.stdout)) : unreachableUp(`fleetwave-verify up failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
        } catch (error) {
          up = unreachableUp((error as Error).message);
        }
        const inForce = up.pods.some((pod) => pod.address) ? await nodeAcl(target.shell, layoutOf(target)).catch(() => null) : null;
        aclInForce.set(target.hostname, inForce);
        return { hostname: target.hostname, up, acl: inForce?.acl ?? null };
      }),
    );
    const plan = planProbes(nodes, { requireNetkit: options.requireNetkit ?? false });
    const probed = await Promise.all(
      targets.map(async (target): Promise<CellVerdict[]> => {
        const list = plan.probes.get(target.hostname) ?? [];
        if (list.length === 0) return [];
        const inForce = aclInForce.get(target.hostname) ?? null;
        const acl = inForce?.acl ?? null;
        const input = list.map(({ cell, address }) => `${cell.id} ${cell.from} ${cell.protocol} ${address}`).join('\n');
        let answers = new Map<string, boolean>();
        let failure: string | null = null;
        const before = inForce ? await packetCounts(target.shell, layoutOf(target), inForce) : null;
        try {
          const result = await target.shell.run(helperFor(target, `probe ${run}`), `${input}\n`);
          answers = new Map(
            result.stdout
              .trim()
              .split('\n')
              .filter(Boolean)
              .map((line) => [line.split(' ')[0]!, line.endsWith(' ok')]),
          );
          if (result.exitCode !== 0) failure = `fleetwave-verify probe failed (exit ${result.exitCode}): ${result.stderr.trim()}`;
        } catch (error) {
          failure = (error as Error).message;
        }
        const verdicts = list.map(({ cell, address }): CellVerdict =>
          answers.has(cell.id)
            ? judgeCell(cell, address, acl, answers.get(cell.id)!)
            : { ...cell, status: 'failed', expected: null, observed: null, ruleId: null, detail: failure ?? 'the node did not answer for this cell' },
        );
        if (inForce && before) counterChecks.set(target.hostname, judgeCounters(inForce.acl, inForce.generation, verdicts, before, await packetCounts(target.shell, layoutOf(target), inForce)));
        return verdicts;
      }),
    );
    const verdicts = [...plan.unprobed, ...probed.flat()];
    const matrices = summarizeMatrix(nodes, verdicts, counterChecks);
    return {
      run,
      nodes: matrices,
      ok: matrices.reduce((sum, node) => sum + node.ok, 0),
      failed: matrices.reduce((sum, node) => sum + node.failed, 0),
      untestable: matrices.reduce((sum, node) => sum + node.untestable, 0),
      counters: {
        ok: matrices.reduce((sum, node) => sum + node.counters.filter((check) => check.status === 'ok').length, 0),
        failed: matrices.reduce((sum, node) => sum + node.counters.filter((check) => check.status === 'failed').length, 0),
        untestable: matrices.reduce((sum, node) => sum + node.counters.filter((check) => check.status === 'untestable').length, 0),
      },
      leftovers: leftovers.filter((entry) => entry.removed.length > 0),
    };
  } finally {
    await Promise.all(targets.map((target) => target.shell.run(helperFor(target, `down ${run}`)).catch(() => undefined)));
  }
}
