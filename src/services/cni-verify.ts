import type { Clock } from '../adapters/clock.js';
import { DEFAULT_NODE_LAYOUT } from '../cni/acl/node-acl.js';
import { runVerify, type VerifyLayout, type VerifyOutcome } from '../cni/verify/run-verify.js';
import { sshNodeShell } from './cni-acl.js';
import { selectTargets, withExecutor, withRemoteContext, type SshRunOptions } from './fleet-exec.js';

export const DEFAULT_VERIFY_LAYOUT: VerifyLayout = { ...DEFAULT_NODE_LAYOUT, verifyHelper: '/opt/fleetwave/bin/fleetwave-verify' };

export interface CniVerifyRequest extends SshRunOptions {
  dbPath: string;
  where?: string;
  reason?: string;
  clock: Clock;
  /** Netkit cells that cannot be probed (fallback, simulated kernel) fail instead of being untestable. */
  requireNetkit?: boolean;
}

/**
 * `cni verify`: the connectivity matrix of the selected nodes, probed through test pods their own
 * plugin makes. The outcome of every node is in the audit trail (counts and the failed cells).
 */
export async function verifyCni(request: CniVerifyRequest): Promise<VerifyOutcome> {
  return withRemoteContext(request, async (context) => {
    const { store, actor, now } = context;
    const hosts = selectTargets(store, request.where);
    const outcome = await withExecutor(context, request, (executor, connectionOf) =>
      runVerify(
        hosts.map((host) => ({ hostname: host.hostname, shell: sshNodeShell(executor, connectionOf(host)) })),
        DEFAULT_VERIFY_LAYOUT,
        { requireNetkit: request.requireNetkit ?? false },
      ),
    );
    store.write(() =>
      store.events.append(
        outcome.nodes.map((node) => ({
          subject: `host:${node.hostname}`,
          host: node.hostname,
          action: 'host.cni-verified',
          details: {
            run: outcome.run,
            ok: node.ok,
            failed: node.failed,
            untestable: node.untestable,
            failedCells: node.cells.filter((cell) => cell.status === 'failed').map((cell) => ({ id: cell.id, detail: cell.detail })),
            counters: node.counters.map((check) => ({ ruleId: check.ruleId, status: check.status, probes: check.probes, packets: check.packets })),
          },
        })),
        actor,
        now(),
      ),
    );
    return outcome;
  });
}
