import type { FleetProbeResult } from '../../services/fleet-probe.js';
import { renderTable } from '../render-table.js';

export function renderProbe(result: FleetProbeResult): string {
  const lines = [`probed ${result.probed.length} hosts, ${result.unreachable.length} unreachable`];
  if (result.probed.length > 0) {
    lines.push(
      renderTable(result.probed, [
        { header: 'HOSTNAME', value: (host) => host.hostname },
        { header: 'RUNNING', value: (host) => host.runningKernel },
        { header: 'KERNEL IS', value: (host) => (host.kernelSimulated ? 'simulated' : 'real') },
        { header: 'DEFAULT', value: (host) => host.defaultKernel },
        { header: 'NEXT BOOT', value: (host) => host.nextBootKernel },
        { header: 'INSTALLED', value: (host) => host.installedKernels.length },
        { header: 'NETKIT', value: (host) => (host.netkitCapable ? 'yes' : 'no') },
        { header: 'CNI', value: (host) => host.cniMode },
        { header: 'PODS', value: (host) => podsLabel(host.pods) },
        { header: 'UPTIME', value: (host) => (host.uptimeSeconds === null ? null : `${Math.floor(host.uptimeSeconds / 3600)}h`), align: 'right' },
        { header: 'CHANGED', value: (host) => host.changed.join(',') },
      ]),
    );
    const reasons = new Map<string, number>();
    for (const host of result.probed) if (!host.netkitCapable) reasons.set(host.netkitDetail, (reasons.get(host.netkitDetail) ?? 0) + 1);
    for (const [reason, count] of reasons) lines.push(`not netkit-capable (${count}): ${reason}`);
  }
  if (result.unreachable.length > 0) {
    lines.push('', 'Unreachable (nothing recorded for them):');
    lines.push(
      renderTable(result.unreachable, [
        { header: 'HOSTNAME', value: (host) => host.hostname },
        { header: 'KIND', value: (host) => host.kind },
        { header: 'REASON', value: (host) => host.reason },
      ]),
    );
  }
  return lines.join('\n');
}

/** "mixed (3 veth, 2 netkit)" for a node in the middle of the migration; "4 veth" or "2 netkit" otherwise. */
export function podsLabel(pods: { veth: number; netkit: number } | null | undefined): string | null {
  if (!pods || pods.veth + pods.netkit === 0) return null;
  if (pods.veth > 0 && pods.netkit > 0) return `mixed (${pods.veth} veth, ${pods.netkit} netkit)`;
  return pods.veth > 0 ? `${pods.veth} veth` : `${pods.netkit} netkit`;
}
