import type { Database } from 'better-sqlite3';
import { openDatabase, storageError, type OpenDatabaseOptions } from './database.js';
import { EventRepository } from './event-repository.js';
import { FreezeRepository } from './freeze-repository.js';
import { HostKeyRepository } from './host-key-repository.js';
import { HostRepository } from './host-repository.js';
import { KernelRepository } from './kernel-repository.js';
import { LabRepository } from './lab-repository.js';
import { RolloutRepository } from './rollout-repository.js';
import { RunLedgerRepository } from './run-ledger-repository.js';

export interface Store {
  db: Database;
  hosts: HostRepository;
  events: EventRepository;
  hostKeys: HostKeyRepository;
  rollouts: RolloutRepository;
  ledger: RunLedgerRepository;
  freeze: FreezeRepository;
  kernels: KernelRepository;
  labs: LabRepository;
  /** Runs `work` in one IMMEDIATE transaction: state and its audit events commit together or not at all. */
  write<T>(work: () => T): T;
  close(): void;
}

export function openStore(options: OpenDatabaseOptions): Store {
  const db = openDatabase(options);
  return {
    db,
    hosts: new HostRepository(db),
    events: new EventRepository(db),
    hostKeys: new HostKeyRepository(db),
    rollouts: new RolloutRepository(db),
    ledger: new RunLedgerRepository(db),
    freeze: new FreezeRepository(db),
    kernels: new KernelRepository(db),
    labs: new LabRepository(db),
    write: (work) => {
      try {
        return db.transaction(work).immediate();
      } catch (error) {
        throw storageError(options.path, error);
      }
    },
    close: () => db.close(),
  };
}

/** Opens, runs, and always closes: commands never leak a handle, even on error. */
export function withStore<T>(options: OpenDatabaseOptions, work: (store: Store) => T): T {
  const store = openStore(options);
  try {
    return work(store);
  } finally {
    store.close();
  }
}
