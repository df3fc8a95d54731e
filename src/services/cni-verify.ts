import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import { loadSshConfig, localEnvironment } from '../adapters/ssh/ssh-config-files.js';
import { openStore } from '../adapters/store/store.js';
import { DEFAULT_NODE_LAYOUT } from '../cni/acl/node-acl.js';
import { runVerify, type VerifyLayout, type VerifyOutcome } from '../cni/verify/run-verify.js';
import { resolveConnection } from '../ssh/connection-settings.js';
import { sshNodeShell } from './cni-acl.js';
import { openExecutor, selectTargets, type SshRunOptions } from './fleet-exec.js';

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
  const store = openStore({ path: request.dbPath, create: false });
  const actor = currentActor(request.reason);
  const now = () => request.clock.now().toISOString();
  try {
    const hosts = selectTargets(store, request.where);
    const env = localEnvironment();
    const lookup = loadSshConfig(request.sshConfig, env);
    const executor = openExecutor({ store, actor, now }, request);
    let outcome: VerifyOutcome;
    try {
      outcome = await runVerify(
        hosts.map((host) => ({ hostname: host.hostname, shell: sshNodeShell(executor, resolveConnection(host, lookup, env)) })),
        DEFAULT_VERIFY_LAYOUT,
        { requireNetkit: request.requireNetkit ?? false },
      );
    } finally {
      await executor.close();
    }
    store.write(() =>
      store.events.append(
        outcome.nodes.map((node) => ({
          subject: `host:${node.hostname}`,
          host: node.hostname,
          action: 'host.cni-verified',
          details: { run: outcome.run, ok: node.ok, failed: node.failed, untestable: node.untestable, failedCells: node.cells.filter((cell) => cell.status === 'failed').map((cell) => ({ id: cell.id, detail: cell.detail })) },
        })),
        actor,
        now(),
      ),
    );
    return outcome;
  } finally {
    store.close();
  }
}
