import type { Clock } from '../adapters/clock.js';
import type { EventDraft } from '../audit/event.js';
import type { RemoteErrorKind } from '../ssh/command-result.js';
import type { Host } from '../fleet/host.js';
import { PROBE_SCRIPT } from '../probe/probe-script.js';
import { parseProbeOutput, ProbeParseError, type ProbeFacts } from '../probe/probe-facts.js';
import { runOnHosts, selectTargets, withRemoteContext, type SshRunOptions } from './fleet-exec.js';

export interface FleetProbeRequest extends SshRunOptions {
  dbPath: string;
  where?: string;
  reason?: string;
  clock: Clock;
  onProgress?: (done: number, total: number, failed: number) => void;
}

export interface ProbedHost extends ProbeFacts {
  hostname: string;
  /** Observed fields that differ from what the inventory held before this probe. */
  changed: string[];
  rebooted: boolean;
}

export interface FleetProbeResult {
  probed: ProbedHost[];
  unreachable: { hostname: string; kind: RemoteErrorKind | 'probe'; reason: string }[];
}

const COMPARED: (keyof ProbeFacts & keyof Host)[] = ['runningKernel', 'defaultKernel', 'nextBootKernel', 'installedKernels', 'bootId', 'netkitCapable', 'cniMode'];

function changedFields(before: Host, facts: ProbeFacts): string[] {
  return COMPARED.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(facts[field]));
}

/** What a probe saw on a host, compared with the inventory before it. */
export function probedHost(before: Host, facts: ProbeFacts): ProbedHost {
  return { hostname: before.hostname, ...facts, changed: changedFields(before, facts), rebooted: before.bootId !== null && before.bootId !== facts.bootId };
}

/** The host.probed audit event of one probed host; written with its recordProbe in one transaction. */
export function probedEvent(host: ProbedHost, context: Record<string, unknown> = {}): EventDraft {
  return {
    subject: `host:${host.hostname}`,
    host: host.hostname,
    action: 'host.probed',
    // Every fact the hosts table keeps, so `fleet list --at` can rebuild the fleet from the trail.
    details: {
      changed: host.changed,
      rebooted: host.rebooted,
      runningKernel: host.runningKernel,
      kernelSimulated: host.kernelSimulated ?? false,
      defaultKernel: host.defaultKernel,
      nextBootKernel: host.nextBootKernel,
      installedKernels: host.installedKernels,
      bootId: host.bootId,
      uptimeSeconds: host.uptimeSeconds,
      netkitCapable: host.netkitCapable,
      netkitDetail: host.netkitDetail,
      cniMode: host.cniMode,
      pods: host.pods ?? null,
      ...context,
    },
  };
}

/** Probes, then records each reachable host's facts with a host.probed event. Unreachable hosts are left untouched. */
export async function probeFleet(request: FleetProbeRequest): Promise<FleetProbeResult> {
  return withRemoteContext(request, async (context) => {
    const { store } = context;
    const hosts = selectTargets(store, request.where);
    const byName = new Map(hosts.map((host) => [host.hostname, host]));
    const results = await runOnHosts(context, hosts, PROBE_SCRIPT, request);
    const probed: ProbedHost[] = [];
    const unreachable: FleetProbeResult['unreachable'] = [];
    for (const result of results) {
      if (result.status !== 'ok') {
        unreachable.push({
          hostname: result.hostname,
          kind: result.error?.kind ?? 'probe',
          reason: result.error?.message ?? `the probe exited ${result.exitCode}: ${result.stderr.trim().split('\n').at(-1) ?? ''}`,
        });
        continue;
      }
      try {
        const facts = parseProbeOutput(result.stdout);
        probed.push(probedHost(byName.get(result.hostname)!, facts));
      } catch (error) {
        if (!(error instanceof ProbeParseError)) throw error;
        unreachable.push({ hostname: result.hostname, kind: 'probe', reason: error.message });
      }
    }
    const now = context.now();
    store.write(() => {
      for (const host of probed) store.hosts.recordProbe(host.hostname, host, now);
      store.events.append(
        [
          { subject: 'fleet', action: 'fleet.probed', details: { selector: request.where ?? null, probed: probed.length, unreachable: unreachable.length } },
          ...probed.map((host) => probedEvent(host)),
          ...unreachable.map((host) => ({ subject: `host:${host.hostname}`, host: host.hostname, action: 'host.probe-failed', details: { kind: host.kind, reason: host.reason } })),
        ],
        context.actor,
        now,
      );
    });
    return { probed: probed.sort((a, b) => a.hostname.localeCompare(b.hostname)), unreachable: unreachable.sort((a, b) => a.hostname.localeCompare(b.hostname)) };
  });
}
