import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../adapters/clock.js';
import { SimulatedFleet, type SimulatedFleetOptions } from '../../adapters/simulated-fleet.js';
import { openStore } from '../../adapters/store/store.js';
import { importInventory } from '../import-inventory.js';
import { planRolloutFromFile } from '../rollout-plan.js';
import { runRollout, type RunRolloutRequest } from '../rollout-run/run-rollout.js';

/**
 * A kernel rollout over a SIMULATED FLEET, end to end through the same services a user's `fleet
 * import`, `rollout plan` and `rollout run` call: the hosts are imported into a real SQLite file,
 * the spec is planned, and the runner drives every host through a playbook (a change, a reboot
 * verified by boot id, a check) against SimulatedFleet instead of SSH. For the scale benchmark and
 * for runner tests that need no real host; nothing here ever reaches a machine.
 */
export interface SimulatedRolloutOptions {
  dir: string;
  hosts: number;
  spec?: Record<string, unknown>;
  /** The playbook's YAML; SIMULATED_PLAYBOOK (a change, a reboot and a check) unless given. */
  playbook?: string;
  fleet?: SimulatedFleetOptions;
  clock: Clock;
  pollMs?: number;
  onProgress?: RunRolloutRequest['onProgress'];
  stop?: AbortSignal;
}

export const SIMULATED_PLAYBOOK = `name: simulated-kernel
description: A change, a reboot verified by boot id, and a check; run against the simulated fleet only.
steps:
  - name: install the kernel
    run: true install-kernel
  - name: reboot into it
    reboot: true
checks:
  - name: healthy
    check: true healthy
rollback:
  - name: remove the kernel
    undoes: install the kernel
    run: true remove-kernel
`;

/** One change per host, no reboot and no check: what the engine itself costs per host. */
export const ONE_CHANGE_PLAYBOOK = `name: one-change
description: One change and its undo; run against the simulated fleet only.
steps:
  - name: change
    run: true change
rollback:
  - name: undo
    undoes: change
    run: true undo
`;

export function simulatedHostname(index: number): string {
  return `sim-${String(index).padStart(7, '0')}`;
}

/** Where the simulated fleet's database lives: import makes it, plan and run use it. */
function simulatedDbPath(dir: string): string {
  return path.join(dir, 'fleet.db');
}

type PrepareOptions = Omit<SimulatedRolloutOptions, 'fleet' | 'onProgress' | 'stop' | 'pollMs'>;

/** Writes the inventory, spec and playbook, imports and plans; returns what `run` needs. */
export function prepareSimulatedRollout(options: PrepareOptions): { dbPath: string; name: string } {
  importSimulatedFleet(options);
  return planSimulatedRollout(options);
}

/** The first half of prepareSimulatedRollout, as `fleet import` does it: the fleet's inventory into a new database. */
export function importSimulatedFleet(options: Pick<PrepareOptions, 'dir' | 'hosts' | 'clock'>): { dbPath: string } {
  mkdirSync(options.dir, { recursive: true });
  const dbPath = simulatedDbPath(options.dir);
  openStore({ path: dbPath, create: true }).close();
  const lines = ['hostname,address,cluster,zone,rack'];
  for (let index = 0; index < options.hosts; index += 1) {
    const zone = index % 12;
    lines.push(`${simulatedHostname(index)},10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255},c${index % 4},zone-${zone},rack-${zone}-${Math.floor(index / 40) % 250}`);
  }
  writeFileSync(path.join(options.dir, 'fleet.csv'), `${lines.join('\n')}\n`);
  importInventory({ dbPath, file: path.join(options.dir, 'fleet.csv'), prune: false, dryRun: false, reason: 'simulated fleet', clock: options.clock });
  return { dbPath };
}

/** The second half, as `rollout plan` does it: the spec and playbook written next to the database, and planned. */
export function planSimulatedRollout(options: PrepareOptions): { dbPath: string; name: string } {
  const dbPath = simulatedDbPath(options.dir);
  writeFileSync(path.join(options.dir, 'simulated-kernel.yaml'), options.playbook ?? SIMULATED_PLAYBOOK);
  const spec = { name: 'simulated', kind: 'kernel', target: '6.12.0-simulated-next', playbook: 'simulated-kernel.yaml', soak: '0s', checkInterval: '1s', ...options.spec };
  writeFileSync(path.join(options.dir, 'rollout.json'), JSON.stringify(spec));
  planRolloutFromFile({ dbPath, file: path.join(options.dir, 'rollout.json'), dryRun: false, reason: 'simulated fleet', clock: options.clock });
  return { dbPath, name: String(spec.name) };
}

export async function runSimulatedRollout(prepared: { dbPath: string; name: string }, options: Pick<SimulatedRolloutOptions, 'fleet' | 'clock' | 'pollMs' | 'onProgress' | 'stop'>) {
  const fleet = new SimulatedFleet(options.fleet);
  const result = await runRollout({
    dbPath: prepared.dbPath,
    name: prepared.name,
    clock: options.clock,
    leaseTtlMs: 30_000,
    pollMs: options.pollMs ?? 50,
    transport: fleet,
    reason: 'simulated fleet',
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
  });
  return { result, fleet };
}
