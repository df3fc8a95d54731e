import { randomBytes } from 'node:crypto';
import { entriesInForce } from '../acl/encode.js';
import { AclNotLoadedError, readNodeAcl, type NodeLayout, type NodeShell } from '../acl/node-acl.js';
import type { CompiledAcl } from '../acl/rules.js';
import { shellQuote } from '../../rollout/template.js';
import { judgeCell, NodeUpSchema, planProbes, summarizeMatrix, type CellVerdict, type NodeMatrix, type NodeUp, type VerifyNode } from './matrix.js';

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
  /** What the cleanup found left over from earlier runs, per node. */
  leftovers: Array<{ hostname: string; removed: string[] }>;
}

/** A node whose helper could not even run: both test pods count as not made, with the reason. */
function unreachableUp(reason: string): NodeUp {
  return { simulated: false, hostAddress: '', pods: (['veth', 'netkit'] as const).map((requested) => ({ requested, device: null, address: null, fallback: null, error: reason })) };
}

async function nodeAcl(shell: NodeShell, layout: NodeLayout): Promise<CompiledAcl | null> {
  try {
    const { state } = await readNodeAcl(shell, layout);
    return { defaultDeny: state.defaultDeny, entries: entriesInForce(state).map((entry) => ({ ...entry, name: `rule-${entry.ruleId}` })) };
  } catch (error) {
    if (error instanceof AclNotLoadedError) return null;
    throw error;
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
      return { hostname: target.hostname, removed: result.stdout.split('\n').filter((line) => line.startsWith('removed ')).map((line) => line.slice('removed '.length)).sort() };
    }),
  );
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
        const acl = up.pods.some((pod) => pod.address) ? await nodeAcl(target.shell, layoutOf(target)).catch(() => null) : null;
        return { hostname: target.hostname, up, acl };
      }),
    );
    const plan = planProbes(nodes, { requireNetkit: options.requireNetkit ?? false });
    const probed = await Promise.all(
      targets.map(async (target): Promise<CellVerdict[]> => {
        const list = plan.probes.get(target.hostname) ?? [];
        if (list.length === 0) return [];
        const acl = nodes.find((node) => node.hostname === target.hostname)!.acl;
        const input = list.map(({ cell, address }) => `${cell.id} ${cell.from} ${cell.protocol} ${address}`).join('\n');
        let answers = new Map<string, boolean>();
        let failure: string | null = null;
        try {
          const result = await target.shell.run(helperFor(target, `probe ${run}`), `${input}\n`);
          answers = new Map(result.stdout.trim().split('\n').filter(Boolean).map((line) => [line.split(' ')[0]!, line.endsWith(' ok')]));
          if (result.exitCode !== 0) failure = `fleetwave-verify probe failed (exit ${result.exitCode}): ${result.stderr.trim()}`;
        } catch (error) {
          failure = (error as Error).message;
        }
        return list.map(({ cell, address }) =>
          answers.has(cell.id) ? judgeCell(cell, address, acl, answers.get(cell.id)!) : { ...cell, status: 'failed' as const, expected: null, observed: null, detail: failure ?? 'the node did not answer for this cell' },
        );
      }),
    );
    const verdicts = [...plan.unprobed, ...probed.flat()];
    const matrices = summarizeMatrix(nodes, verdicts);
    return {
      run,
      nodes: matrices,
      ok: matrices.reduce((sum, node) => sum + node.ok, 0),
      failed: matrices.reduce((sum, node) => sum + node.failed, 0),
      untestable: matrices.reduce((sum, node) => sum + node.untestable, 0),
      leftovers: leftovers.filter((entry) => entry.removed.length > 0),
    };
  } finally {
    await Promise.all(targets.map((target) => target.shell.run(helperFor(target, `down ${run}`)).catch(() => undefined)));
  }
}
