import type { LabStatusResult } from '../../services/lab/lab-control.js';
import type { LabDownResult } from '../../services/lab/lab-down.js';
import type { LabUpResult } from '../../services/lab/lab-up.js';
import { renderTable } from '../render-table.js';

export function renderLabUp(result: LabUpResult): string {
  const installed = result.installed.length > 0 ? `installed: ${result.installed.join(', ')}\n` : '';
  return [
    result.kind === 'vm'
      ? `${installed}lab "${result.name}" is up: ${result.hosts.length} QEMU guests booting the real kernel ${result.kernel}, on their private segment ${result.subnet} (slot ${result.slot}), SSH on 127.0.0.1 ports ${result.hosts.map((host) => host.port).join(', ')}`
      : `${installed}lab "${result.name}" is up: ${result.hosts.length} hosts on ${result.subnet} (slot ${result.slot}), each a real sshd in its own network namespace (kernels simulated)`,
    `SSH config: ${result.sshConfig}  (ssh -F ${result.sshConfig} ${result.hosts[0]?.hostname ?? ''})`,
    `fleetwave reaches these hosts through it with nothing to export: the database records it (try: fleetwave fleet probe lab=${result.name})`,
    ...(result.rolloutSpec && result.kernelPackage ? [`A kernel rollout for it (simulated ${result.kernelPackage.split('/').pop()}): fleetwave rollout plan ${result.rolloutSpec}`] : []),
  ].join('\n');
}

export function renderLabStatus(result: LabStatusResult): string {
  const lines: string[] = [];
  if (result.name === null) lines.push('No lab is up in this --lab-dir.');
  else {
    const up = result.hosts.filter((host) => host.sshd === 'up' && (host.netns || result.kind === 'vm')).length;
    lines.push(
      `lab "${result.name}" (slot ${result.slot}, ${result.kind === 'vm' ? `QEMU guests running the real kernel ${result.kernel}` : 'namespace hosts, simulated kernels'}): ${up}/${result.hosts.length} hosts up`,
    );
    lines.push(
      renderTable(result.hosts, [
        { header: 'HOSTNAME', value: (host) => host.hostname },
        { header: 'ADDRESS', value: (host) => host.address },
        ...(result.kind === 'vm'
          ? [{ header: 'QEMU', value: (host: LabStatusResult['hosts'][number]) => host.sshd }]
          : [
              { header: 'NETNS', value: (host: LabStatusResult['hosts'][number]) => (host.netns ? 'yes' : 'missing') },
              { header: 'SSHD', value: (host: LabStatusResult['hosts'][number]) => host.sshd },
            ]),
      ]),
    );
  }
  if (result.status === 'creating') lines.push('This lab is still being made, or lab up crashed half way: fleetwave lab down removes what it made.');
  for (const other of result.otherLabs) lines.push(`Another lab on this machine: "${other.name}" (slot ${other.slot}) in ${other.labDir}`);
  if (result.strayNamespaces.length > 0) {
    lines.push(
      `${result.strayNamespaces.length} namespaces are named like a lab's but no lab recorded making them (${result.strayNamespaces.slice(0, 3).join(', ')}${result.strayNamespaces.length > 3 ? ', ...' : ''}); fleetwave leaves them alone: remove them with ip netns del if they are yours to remove.`,
    );
  }
  return lines.join('\n');
}

export function renderLabDown(result: LabDownResult): string {
  const labs = result.labs.length === 0 ? 'no lab to take down' : `lab ${result.labs.map((name) => `"${name}"`).join(', ')} down`;
  const kept = result.keptForeign.length > 0 ? `\nLeft in place, not made by the lab: ${result.keptForeign.join(', ')}` : '';
  return `${labs}: ${result.namespacesRemoved} namespaces removed, ${result.processesKilled} processes stopped, ${result.hostsRemovedFromInventory} hosts removed from the inventory${kept}`;
}
