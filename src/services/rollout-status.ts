import type { FleetFreeze } from '../adapters/store/freeze-repository.js';
import type { RolloutHost, StoredRollout } from '../adapters/store/rollout-repository.js';
import type { RunnerLease } from '../adapters/store/run-ledger-repository.js';
import { withStore } from '../adapters/store/store.js';
import type { AuditEvent } from '../audit/event.js';
import { FleetwaveError } from '../errors.js';
import { countByStatus, type HostState } from '../rollout/host-machine.js';

export interface WaveProgress {
  wave: number;
  hosts: number;
  byStatus: Partial<Record<HostState['status'], number>>;
}

export interface RolloutStatusResult {
  rollout: StoredRollout;
  waves: WaveProgress[];
  hosts: RolloutHost[];
  runner: (RunnerLease & { alive: boolean }) | null;
  frozen: FleetFreeze | null;
  events: AuditEvent[];
}

/** Everything an on-call engineer needs to see about one rollout, read in one snapshot. */
export function rolloutStatus(request: { dbPath: string; name: string; events: number; now: Date }): RolloutStatusResult {
  return withStore({ path: request.dbPath, create: false }, (store) =>
    store.db.transaction(() => {
      const rollout = store.rollouts.find(request.name);
      if (!rollout) throw new FleetwaveError('ROLLOUT_NOT_FOUND', `no rollout named ${request.name}`, { suggestions: ['See them with: fleetwave rollout list'] });
      const hosts = store.rollouts.hosts(request.name);
      const byWave = new Map<number, RolloutHost[]>();
      for (const host of hosts) {
        const members = byWave.get(host.wave);
        if (members) members.push(host);
        else byWave.set(host.wave, [host]);
      }
      const lease = store.ledger.lease(request.name);
      return {
        rollout,
        waves: [...byWave].sort(([a], [b]) => a - b).map(([wave, members]) => ({ wave, hosts: members.length, byStatus: countByStatus(members.map((host) => host.state)) })),
        hosts,
        runner: lease ? { ...lease, alive: request.now.getTime() - Date.parse(lease.heartbeatAt) <= lease.ttlMs } : null,
        frozen: store.freeze.current(),
        events: request.events === 0 ? [] : store.events.query({ subject: `rollout:${request.name}`, limit: request.events }).events,
      };
    })(),
  );
}
