import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import { withStore } from '../adapters/store/store.js';
import { FleetwaveError } from '../errors.js';

export interface ClearHostKeyResult {
  hostname: string;
  keysCleared: number;
}

/** The explicit operator step after a host was legitimately reinstalled: forget fleetwave's pin. */
export function clearHostKey(request: { dbPath: string; hostname: string; reason?: string; clock: Clock }): ClearHostKeyResult {
  return withStore({ path: request.dbPath, create: false }, (store) =>
    store.write(() => {
      const keysCleared = store.hostKeys.clear(request.hostname);
      if (keysCleared === 0) {
        throw new FleetwaveError('HOST_NOT_FOUND', `fleetwave has no pinned key for ${request.hostname}`, {
          suggestions: ['Keys in your known_hosts files are yours to edit: ssh-keygen -R HOST'],
        });
      }
      store.events.append(
        [{ subject: `host:${request.hostname}`, host: request.hostname, action: 'host.key-cleared', details: { keysCleared } }],
        currentActor(request.reason),
        request.clock.now().toISOString(),
      );
      return { hostname: request.hostname, keysCleared };
    }),
  );
}
