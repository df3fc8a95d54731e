import { writeFileSync } from 'node:fs';

/** A deterministic synthetic fleet: 4 clusters, 12 zones, 40 hosts a rack, loopback addresses only. */
export interface SyntheticHost {
  hostname: string;
  address: string;
  cluster: string;
  zone: string;
  rack: string;
  team: string;
}

export function syntheticFleet(count: number, generation = 0): SyntheticHost[] {
  return Array.from({ length: count }, (_, index) => {
    const zone = index % 12;
    return {
      hostname: `node-${String(index).padStart(7, '0')}`,
      address: `127.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
      cluster: `c${index % 4}`,
      zone: `zone-${zone}`,
      // `generation` moves every tenth host to another rack: a realistic re-import with changes.
      rack: `rack-${zone}-${(Math.floor(index / 40) + (index % 10 === 0 ? generation : 0)) % 250}`,
      team: `t${index % 17}`,
    };
  });
}

export const WRITERS = {
  csv: (hosts: SyntheticHost[]) =>
    `hostname,address,cluster,zone,rack,labels\n${hosts.map((host) => `${host.hostname},${host.address},${host.cluster},${host.zone},${host.rack},role=worker;team=${host.team}`).join('\n')}\n`,
  json: (hosts: SyntheticHost[]) => JSON.stringify({ hosts: hosts.map(({ team, ...host }) => ({ ...host, labels: { role: 'worker', team } })) }),
  yaml: (hosts: SyntheticHost[]) =>
    `hosts:\n${hosts.map((host) => `  - hostname: ${host.hostname}\n    address: ${host.address}\n    cluster: ${host.cluster}\n    zone: ${host.zone}\n    rack: ${host.rack}\n    labels: { role: worker, team: ${host.team} }`).join('\n')}\n`,
  ini: (hosts: SyntheticHost[]) => {
    const byZone = new Map<string, SyntheticHost[]>();
    for (const host of hosts) byZone.set(host.zone, [...(byZone.get(host.zone) ?? []), host]);
    return [...byZone]
      .map(([zone, members]) => {
        const group = zone.replace('-', '_');
        const lines = members.map((host) => `${host.hostname} ansible_host=${host.address} cluster=${host.cluster} rack=${host.rack} team=${host.team} role=worker`);
        return `[${group}]\n${lines.join('\n')}\n\n[${group}:vars]\nzone=${zone}\n`;
      })
      .join('\n');
  },
} as const;

export type InventoryWriter = keyof typeof WRITERS;

export function writeInventory(file: string, format: InventoryWriter, hosts: SyntheticHost[]): void {
  writeFileSync(file, WRITERS[format](hosts));
}
