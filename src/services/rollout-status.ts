import type { FleetFreeze } from '../adapters/store/freeze-repository.js';
import type { RolloutHost, StoredRollout } from '../adapters/store/rollout-repository.js';
import type { RunnerLease } from '../adapters/store/run-ledger-repository.js';
import { withStore } from '../adapters/store/store.js';
import { thisMachine } from '../adapters/system/process-probe.js';
import type { AuditEvent } from '../audit/event.js';
import { FleetwaveError } from '../errors.js';
import type { HostState } from '../rollout/host-machine.js';
import { judgeLease } from '../rollout/lease.js';
import { countTallies } from '../rollout/run-decision.js';

export interface WaveProgress {
  wave: number;
  hosts: number;
  byStatus: Partial<Record<HostState['status'], number>>;
}

export interface HostPageRequest {
  /** Only hosts in these statuses; all when omitted. */
  states?: ReadonlyArray<HostState['status']>;
  /** At most this many hosts; 0 for all. */
  limit: number;
  offset: number;
}

export interface RolloutStatusResult {
  rollout: StoredRollout;
  waves: WaveProgress[];
  /** One page of hosts (see hostPage), in plan order (grouped by status when states were asked for). */
  hosts: RolloutHost[];
  hostPage: { states: Array<HostState['status']> | null; matching: number; offset: number; limit: number };
  runner: (RunnerLease & { alive: boolean }) | null;
  frozen: FleetFreeze | null;
  events: AuditEvent[];
}

export const DEFAULT_HOST_PAGE: HostPageRequest = { limit: 1000, offset: 0 };

/**
 * Everything an on-call engineer needs to see about one rollout, read in one snapshot. Its cost does
 * not grow with the rollout: counts come from the tallies, hosts a page at a time.
 */
export function rolloutStatus(request: { dbPath: string; name: string; events: number; now: Date; hosts?: HostPageRequest }): RolloutStatusResult {
  const page = request.hosts ?? DEFAULT_HOST_PAGE;
  return withStore({ path: request.dbPath, create: false }, (store) =>
    store.db.transaction(() => {
      const rollout = store.rollouts.find(request.name);
      if (!rollout) throw new FleetwaveError('ROLLOUT_NOT_FOUND', `no rollout named ${request.name}`, { suggestions: ['See them with: fleetwave rollout list'] });
      const tallies = store.rollouts.tallies(request.name);
      const waves = [...new Set(tallies.map((tally) => tally.wave))].map((wave) => {
        const byStatus = countTallies(tallies, wave);
        return { wave, hosts: Object.values(byStatus).reduce((sum, count) => sum + count, 0), byStatus };
      });
      const states = page.states && page.states.length > 0 ? [...new Set(page.states)] : null;
      const matching = waves.reduce((sum, wave) => sum + (states ? states.reduce((count, status) => count + (wave.byStatus[status] ?? 0), 0) : wave.hosts), 0);
      const lease = store.ledger.lease(request.name);
      return {
        rollout,
        waves,
        hosts: store.rollouts.hostPage(request.name, { statuses: states, limit: page.limit === 0 ? -1 : page.limit, offset: page.offset }),
        hostPage: { states, matching, offset: page.offset, limit: page.limit },
        runner: lease ? { ...lease, alive: judgeLease(lease, request.now, thisMachine).alive } : null,
        frozen: store.freeze.current(),
        events: request.events === 0 ? [] : store.events.query({ subject: `rollout:${request.name}`, limit: request.events, count: false }).events,
      };
    })(),
  );
}
