import type { LabDownResult, LabStatusResult, LabUpResult } from '../../services/lab.js';
import { renderTable } from '../render-table.js';

export function renderLabUp(result: LabUpResult): string {
  const installed = result.installed.length > 0 ? `installed: ${result.installed.join(', ')}\n` : '';
  return [
    `${installed}lab "${result.name}" is up: ${result.hosts.length} hosts on ${result.subnet} (slot ${result.slot}), each a real sshd in its own network namespace`,
    `SSH config: ${result.sshConfig}  (ssh -F ${result.sshConfig} ${result.hosts[0]?.hostname ?? ''})`,
    `Use it with fleetwave: export FLEETWAVE_SSH_CONFIG=${result.sshConfig}`,
    `A kernel rollout for it (simulated ${result.kernelPackage.split('/').pop()}): fleetwave rollout plan ${result.rolloutSpec}`,
  ].join('\n');
}

export function renderLabStatus(result: LabStatusResult): string {
  const lines: string[] = [];
  if (result.name === null) lines.push('No lab is up in this --lab-dir.');
  else {
    const up = result.hosts.filter((host) => host.sshd === 'up' && host.netns).length;
    lines.push(`lab "${result.name}" (slot ${result.slot}): ${up}/${result.hosts.length} hosts up`);
    lines.push(renderTable(result.hosts, [
      { header: 'HOSTNAME', value: (host) => host.hostname },
      { header: 'ADDRESS', value: (host) => host.address },
      { header: 'NETNS', value: (host) => (host.netns ? 'yes' : 'missing') },
      { header: 'SSHD', value: (host) => host.sshd },
    ]));
  }
  if (result.strayNamespaces.length > 0) lines.push(`Stray lab namespaces from another or crashed lab: ${result.strayNamespaces.length} (fleetwave lab down --all removes them)`);
  return lines.join('\n');
}

export function renderLabDown(result: LabDownResult): string {
  return `lab ${result.name ? `"${result.name}" ` : ''}down: ${result.namespacesRemoved} namespaces removed, ${result.processesKilled} processes stopped, ${result.hostsRemovedFromInventory} hosts removed from the inventory`;
}
