import type { Clock } from '../adapters/clock.js';
import { judgeKernelSupport, VERIFY_SCRIPT, type KernelVerdict } from '../kernel/verify.js';
import { hostsByName, runOnHosts, withRemoteContext, type SshRunOptions } from './fleet-exec.js';

export interface KernelVerifyRequest extends SshRunOptions {
  dbPath: string;
  hostnames: string[];
  reason?: string;
  clock: Clock;
}

export interface VerifiedHost extends KernelVerdict {
  hostname: string;
  /** Set when the host could not be checked at all. */
  error: string | null;
}

/**
 * `kernel verify HOST...`: the netkit/tcx checks of the kernel-upgrade playbook, on demand. Each
 * host's verdict is audited; an unreachable host is reported, never assumed fine.
 */
export async function verifyKernels(request: KernelVerifyRequest): Promise<{ hosts: VerifiedHost[] }> {
  return withRemoteContext(request, async (context) => {
    const { store } = context;
    const hosts = hostsByName(store, request.hostnames);
    const results = await runOnHosts(context, hosts, VERIFY_SCRIPT, request);
    const verified: VerifiedHost[] = results.map((result) =>
      result.status === 'error'
        ? { hostname: result.hostname, kernel: null, ok: false, missing: [], config: {}, netkitPair: 'unknown', simulated: false, error: `${result.error?.kind}: ${result.error?.message}` }
        : { hostname: result.hostname, ...judgeKernelSupport(result.stdout), error: null },
    );
    store.write(() =>
      store.events.append(
        verified.map((host) => ({
          subject: `host:${host.hostname}`,
          host: host.hostname,
          action: 'host.kernel-verified',
          details: { kernel: host.kernel, simulated: host.simulated, ok: host.ok, missing: host.missing, error: host.error },
        })),
        context.actor,
        context.now(),
      ),
    );
    return { hosts: verified };
  });
}
