import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import { withStore } from '../adapters/store/store.js';
import { FleetwaveError } from '../errors.js';
import { QUARANTINE_LABEL } from '../rollout/planner.js';

export interface UnquarantineResult {
  hosts: { hostname: string; was: string }[];
}

/**
 * The operator's step after looking at a host whose rollback failed: lift fleetwave's quarantine
 * (which no import clears), audited with the reason. All named hosts, or none.
 */
export function unquarantineHosts(request: { dbPath: string; hostnames: string[]; reason: string; clock: Clock }): UnquarantineResult {
  return withStore({ path: request.dbPath, create: false }, (store) =>
    store.write(() => {
      const now = request.clock.now().toISOString();
      const hosts = request.hostnames.map((hostname) => {
        const host = store.hosts.find(hostname);
        if (!host) throw new FleetwaveError('HOST_NOT_FOUND', `no host named ${hostname}; nothing was changed`);
        const was = host.labels[QUARANTINE_LABEL];
        if (was === undefined)
          throw new FleetwaveError('HOST_NOT_FOUND', `${hostname} is not quarantined; nothing was changed`, {
            suggestions: [`See quarantined hosts with: fleetwave fleet list --where ${QUARANTINE_LABEL}`],
          });
        store.hosts.removeLabel(hostname, QUARANTINE_LABEL, now);
        return { hostname, was };
      });
      store.events.append(
        hosts.map(({ hostname, was }) => ({ subject: `host:${hostname}`, host: hostname, action: 'host.unquarantined', details: { label: QUARANTINE_LABEL, was } })),
        currentActor(request.reason),
        now,
      );
      return { hosts };
    }),
  );
}
