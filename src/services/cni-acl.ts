import { readFileSync } from 'node:fs';
import type { Clock } from '../adapters/clock.js';
import type { SshExecutor } from '../adapters/ssh/ssh-executor.js';
import { applyNodeAcl, DEFAULT_NODE_LAYOUT, readNodeAclCounters, ruleSetSha256, type NodeLayout, type NodeShell, type RuleCounters } from '../cni/acl/node-acl.js';
import { AclRuleSetSchema, compileAcl } from '../cni/acl/rules.js';
import { FleetwaveError } from '../errors.js';
import { formatProblem } from '../documents/problem.js';
import { loadDocument } from '../documents/load-document.js';
import type { Host } from '../fleet/host.js';
import type { ConnectionSettings } from '../ssh/connection-settings.js';
import { selectTargets, withExecutor, withRemoteContext, type RemoteRunContext, type SshRunOptions } from './fleet-exec.js';

/** One node's shell over the executor's pooled SSH connection. */
export function sshNodeShell(executor: SshExecutor, settings: ConnectionSettings): NodeShell {
  return {
    async run(command, stdin) {
      const result = await executor.run(settings, command, stdin === undefined ? {} : { stdin });
      if (result.error) throw new Error(`${result.error.kind}: ${result.error.message}`);
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    },
  };
}

export function readAclRuleSet(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FleetwaveError('ACL_INVALID', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const loaded = loadDocument(file, text, AclRuleSetSchema);
  if (!loaded.value) {
    throw new FleetwaveError('ACL_INVALID', `${file} is not a valid ACL rule set:\n${loaded.problems.map((problem) => formatProblem(file, problem)).join('\n')}`, {
      details: { problems: loaded.problems.map((problem) => ({ file, ...problem })) },
    });
  }
  return loaded.value;
}

interface CniNodeRequest extends SshRunOptions {
  dbPath: string;
  where?: string;
  reason?: string;
  clock: Clock;
  layout?: NodeLayout;
}

/** Runs `work` on each node (bounded by the executor's concurrency), one result per node: a node that throws fails alone. */
function onEachNode<T>(context: RemoteRunContext, hosts: readonly Host[], request: CniNodeRequest, work: (node: NodeShell, layout: NodeLayout) => Promise<T>) {
  return withExecutor(context, request, (executor, connectionOf) =>
    Promise.all(
      hosts.map(async (host) => {
        try {
          return { hostname: host.hostname, ok: true as const, value: await work(sshNodeShell(executor, connectionOf(host)), request.layout ?? DEFAULT_NODE_LAYOUT) };
        } catch (error) {
          return { hostname: host.hostname, ok: false as const, error: (error as Error).message };
        }
      }),
    ),
  );
}

export interface AclApplyRequest extends CniNodeRequest {
  rulesFile: string;
}

export interface AclApplyResult {
  rulesFile: string;
  sha256: string;
  rules: number;
  defaultAction: 'allow' | 'deny';
  hosts: Array<{ hostname: string; status: 'applied' | 'unchanged' | 'failed'; generation: number | null; error: string | null }>;
}

/**
 * `cni acl apply`: the rule set compiled once, then put in force on every selected node, each node
 * all or nothing (a generation flip). A node that fails keeps the set it had; the others are not
 * undone, and the result says which is which. Every node's outcome is in the audit trail.
 */
export async function applyAcl(request: AclApplyRequest): Promise<AclApplyResult> {
  const set = readAclRuleSet(request.rulesFile);
  const acl = compileAcl(set);
  const sha256 = ruleSetSha256(acl);
  return withRemoteContext(request, async (context) => {
    const { store, actor, now } = context;
    const targets = selectTargets(store, request.where);
    store.write(() =>
      store.events.append(
        [{ subject: 'fleet', action: 'cni.acl-apply-started', details: { rulesFile: request.rulesFile, sha256, rules: acl.entries.length, selector: request.where ?? null, hosts: targets.length } }],
        actor,
        now(),
      ),
    );
    const results = await onEachNode(context, targets, request, (node, layout) => applyNodeAcl(node, layout, acl));
    const hosts = results.map((result) =>
      result.ok
        ? { hostname: result.hostname, status: result.value.unchanged ? ('unchanged' as const) : ('applied' as const), generation: result.value.generation, error: null }
        : { hostname: result.hostname, status: 'failed' as const, generation: null, error: result.error },
    );
    store.write(() =>
      store.events.append(
        hosts.map((host) => ({
          subject: `host:${host.hostname}`,
          host: host.hostname,
          action: host.status === 'failed' ? 'host.acl-failed' : 'host.acl-applied',
          details: { sha256, generation: host.generation, unchanged: host.status === 'unchanged', error: host.error },
        })),
        actor,
        now(),
      ),
    );
    return { rulesFile: request.rulesFile, sha256, rules: acl.entries.length, defaultAction: set.defaultAction, hosts };
  });
}

export interface AclStatsResult {
  hosts: Array<{ hostname: string; generation: number | null; sha256: string | null; counters: RuleCounters[]; error: string | null }>;
}

/** `cni acl stats`: each node's counters for the set in force, read from its maps. */
export async function aclStats(request: CniNodeRequest): Promise<AclStatsResult> {
  return withRemoteContext(request, async (context) => {
    const results = await onEachNode(context, selectTargets(context.store, request.where), request, (node, layout) => readNodeAclCounters(node, layout));
    return {
      hosts: results.map((result) =>
        result.ok
          ? { hostname: result.hostname, generation: result.value.generation, sha256: result.value.sha256, counters: result.value.counters, error: null }
          : { hostname: result.hostname, generation: null, sha256: null, counters: [], error: result.error },
      ),
    };
  });
}
