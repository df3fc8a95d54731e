import { existsSync } from 'node:fs';
import { currentActor } from '../../adapters/actor.js';
import { destroyLabNetwork } from '../../adapters/lab/lab-network.js';
import { stopGuests } from '../../adapters/lab/vm-guests.js';
import { recordedLabs, releaseLabSlot, type LabRecord } from '../../adapters/lab/lab-registry.js';
import { withStore } from '../../adapters/store/store.js';
import { FleetwaveError } from '../../errors.js';
import type { Host } from '../../fleet/host.js';
import { isLabAddress } from '../../lab/layout.js';
import { refuseHeldHosts, removeHosts } from '../import-inventory.js';
import { absoluteLabDir, createdBy, readLabState, removeLabFiles, type LabCreated } from './lab-files.js';
import type { LabRequest } from './lab-up.js';

export interface LabDownResult {
  /** The labs taken down (with --all, every lab this machine has a record of). */
  labs: string[];
  namespacesRemoved: number;
  processesKilled: number;
  hostsRemovedFromInventory: number;
  /** Entries found in a lab directory that the lab did not make: left where they are. */
  keptForeign: string[];
}

interface LabToRemove {
  name: string;
  slot: number;
  labDir: string | null;
  created: LabCreated;
}

/**
 * A lab's inventory rows: the ones it recorded adding (and still labelled as its own); for labs
 * made before that was recorded, its label and an address in the lab range. A user's own host is
 * never matched.
 */
const hostOfLab = (lab: LabToRemove) => (host: Host) => host.labels.lab === lab.name && (lab.created.hosts ? lab.created.hosts.includes(host.hostname) : isLabAddress(host.address));

/**
 * Removes labs: exactly the processes, namespaces, links and files each recorded making, and
 * its hosts from the inventory, but first refuses (changing nothing) when a rollout holds any of
 * those hosts. A directory without lab state is never touched. `--all` takes down every lab the
 * machine has a record of; namespaces that look like a lab's but were never recorded stay.
 */
export async function labDown(given: LabRequest & { all: boolean }): Promise<LabDownResult> {
  const request = absoluteLabDir(given);
  const state = readLabState(request.labDir);
  if (!state && !request.all) {
    throw new FleetwaveError('LAB_NOT_FOUND', `no lab state in ${request.labDir}; nothing there was made by fleetwave lab up`, {
      suggestions: ['Point --lab-dir at the lab, or remove every lab this machine has a record of: fleetwave lab down --all'],
    });
  }
  const labs: LabToRemove[] = state ? [{ name: state.name, slot: state.slot, labDir: request.labDir, created: createdBy(state) }] : [];
  if (request.all) {
    for (const record of recordedLabs()) if (!labs.some((lab) => lab.slot === record.slot)) labs.push(fromRecord(record));
  }
  const database = existsSync(request.dbPath);
  if (database) {
    withStore({ path: request.dbPath, create: false }, (store) => {
      const hosts = store.hosts.all();
      const hostnames = labs.flatMap((lab) => hosts.filter(hostOfLab(lab)).map((host) => host.hostname));
      refuseHeldHosts(store, hostnames, `lab down would remove`, 'nothing was taken down');
    });
  }
  const result: LabDownResult = { labs: labs.map((lab) => lab.name), namespacesRemoved: 0, processesKilled: 0, hostsRemovedFromInventory: 0, keptForeign: [] };
  for (const lab of labs) {
    result.processesKilled += await stopGuests(lab.created.pidFiles);
    const destroyed = destroyLabNetwork(lab.created);
    result.namespacesRemoved += destroyed.namespaces;
    result.processesKilled += destroyed.processes;
    if (database) {
      result.hostsRemovedFromInventory += withStore({ path: request.dbPath, create: false }, (store) =>
        store.write(() => {
          store.labs.forget(lab.name);
          return removeHosts(store, hostOfLab(lab), { now: request.clock.now().toISOString(), actor: currentActor(request.reason), summary: { source: `lab down ${lab.name}` } });
        }),
      ).length;
    }
    if (lab.labDir) result.keptForeign.push(...removeLabFiles(lab.labDir, lab.created).keptForeign.map((entry) => `${lab.labDir}/${entry}`));
    releaseLabSlot(lab.slot);
  }
  return result;
}

/** A lab known only by the machine's record: its directory's files go too if its lab.json still names it. */
function fromRecord(record: LabRecord): LabToRemove {
  let state = null;
  try {
    state = readLabState(record.labDir);
  } catch {
    // A corrupt lab.json: the network goes, the directory stays for a person to look at.
  }
  const own = state !== null && state.slot === record.slot && state.name === record.name;
  return {
    name: record.name,
    slot: record.slot,
    labDir: own ? record.labDir : null,
    created: own ? createdBy(state!) : { dirs: [], entries: [], namespaces: record.namespaces, links: record.links, pidFiles: record.pidFiles },
  };
}
