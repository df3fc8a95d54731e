import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import type { FleetFreeze } from '../adapters/store/freeze-repository.js';
import { withStore } from '../adapters/store/store.js';
import { FleetwaveError } from '../errors.js';

/** `fleetwave freeze`: no rollout dispatches a host until `unfreeze`. Hosts in flight finish. */
export function freezeFleet(request: { dbPath: string; reason: string; clock: Clock }): { freeze: FleetFreeze } {
  return withStore({ path: request.dbPath, create: false }, (store) =>
    store.write(() => {
      const existing = store.freeze.current();
      if (existing) {
        throw new FleetwaveError('FROZEN', `the fleet is already frozen since ${existing.since} by ${existing.actor}: ${existing.reason}`, {
          suggestions: ['Lift it with: fleetwave unfreeze --reason ...'],
        });
      }
      const actor = currentActor(request.reason);
      const freeze = { reason: request.reason, actor: `${actor.user}@${actor.machine}`, since: request.clock.now().toISOString() };
      store.freeze.freeze(freeze);
      store.events.append([{ subject: 'fleet', action: 'fleet.frozen', details: {} }], actor, freeze.since);
      return { freeze };
    }),
  );
}

export function unfreezeFleet(request: { dbPath: string; reason: string; clock: Clock }): { lifted: FleetFreeze | null } {
  return withStore({ path: request.dbPath, create: false }, (store) =>
    store.write(() => {
      const lifted = store.freeze.current();
      if (!lifted) return { lifted: null };
      store.freeze.unfreeze();
      store.events.append(
        [{ subject: 'fleet', action: 'fleet.unfrozen', details: { frozenSince: lifted.since, frozenBy: lifted.actor, frozenFor: lifted.reason } }],
        currentActor(request.reason),
        request.clock.now().toISOString(),
      );
      return { lifted };
    }),
  );
}

export function currentFreeze(request: { dbPath: string }): FleetFreeze | null {
  return withStore({ path: request.dbPath, create: false }, (store) => store.freeze.current());
}
