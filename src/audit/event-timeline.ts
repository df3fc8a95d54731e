import type { AuditEvent } from './event.js';

/** One line of a host's history: what happened, in words, with the event it comes from. */
export interface TimelineEntry {
  id: number;
  at: string;
  actor: string;
  reason: string | null;
  action: string;
  /** The rollout the event belongs to, when it does. */
  rollout: string | null;
  summary: string;
  details: unknown;
}

type Details = Record<string, unknown>;
type Describe = (details: Details) => string;

const show = (value: unknown): string => (value === null || value === undefined || value === '' ? '(none)' : typeof value === 'object' ? JSON.stringify(value) : String(value));

function kernels(details: Details): string {
  const extra = [
    details.defaultKernel && details.defaultKernel !== details.runningKernel ? `default ${show(details.defaultKernel)}` : null,
    details.nextBootKernel ? `next boot ${show(details.nextBootKernel)}` : null,
  ].filter(Boolean);
  return `kernel ${show(details.runningKernel)}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}

function inventoryChanges(details: Details): string {
  const changes = Array.isArray(details.changes) ? (details.changes as Array<{ field?: unknown; from?: unknown; to?: unknown }>) : [];
  return changes.map((change) => `${show(change.field)} ${show(change.from)} -> ${show(change.to)}`).join('; ');
}

function stepLine(section: string): Describe {
  return (details) =>
    `${section} ${show(details.index)} "${show(details.name)}": ${show(details.outcome)}${typeof details.durationMs === 'number' ? ` in ${details.durationMs} ms` : ''}${details.outcome === 'failed' ? ` (${show(details.detail)})` : ''}`;
}

/** How each action reads in a timeline; actions not listed read as their details. */
const DESCRIBE = new Map<string, Describe>([
  [
    'host.added',
    (details) =>
      `added to the inventory: ${show(details.address)}, cluster ${show(details.cluster)}, zone ${show(details.zone)}, rack ${show(details.rack)}${details.runningKernel ? `, kernel ${show(details.runningKernel)}` : ''}`,
  ],
  ['host.updated', (details) => `inventory changed: ${inventoryChanges(details)}`],
  ['host.removed', () => 'removed from the inventory'],
  [
    'host.probed',
    (details) =>
      `probed${details.purpose ? ` (${show(details.purpose)})` : ''}: ${kernels(details)}, cni ${show(details.cniMode)}, netkit ${details.netkitCapable === true ? 'yes' : details.netkitCapable === false ? 'no' : '(unknown)'}${details.rebooted === true ? `; rebooted since the last probe${details.bootId ? `, boot id ${show(details.bootId)}` : ''}` : details.bootId ? `; boot id ${show(details.bootId)}` : ''}`,
  ],
  ['host.probe-failed', (details) => `probe failed: ${show(details.kind)}: ${show(details.reason)}`],
  ['host.key-pinned', (details) => `SSH host key pinned: ${show(details.fingerprint)}`],
  ['host.key-cleared', (details) => `pinned SSH host keys cleared (${show(details.keysCleared)})`],
  ['host.quarantined', (details) => `quarantined: ${show(details.label)}=${show(details.value)}`],
  ['host.unquarantined', (details) => `quarantine lifted (${show(details.label)}${details.was ? `=${show(details.was)}` : ''})${details.because ? `: ${show(details.because)}` : ''}`],
  [
    'host.exec',
    (details) => `fleet exec ${JSON.stringify(details.command)}: ${show(details.status)}${details.exitCode !== null && details.exitCode !== undefined ? `, exit ${show(details.exitCode)}` : ''}`,
  ],
  ['host.kernel-verified', (details) => `kernel verified: ${show(details.kernel)} ${details.ok === true ? 'ok' : 'failed'}${details.simulated === true ? ' (simulated kernel)' : ''}`],
  ['host.cni-verified', (details) => `cni verify: ${details.ok === true ? 'ok' : 'failed'} (${show(details.failed)} failed, ${show(details.untestable)} untestable)`],
  ['rollout.host.dispatched', (details) => `dispatched in wave ${show(details.wave)}, batch ${show(details.batch)}`],
  ['rollout.host.step', stepLine('step')],
  ['rollout.host.check', stepLine('check')],
  ['rollout.host.rollback', stepLine('rollback step')],
  ['rollout.host.cleanup', stepLine('cleanup')],
  ['rollout.host.rollback-verified', (details) => `rollback verified: ${details.restored === true ? 'restored' : 'NOT restored'} (${show(details.detail)})`],
  ['rollout.host.rollback-retried', (details) => `rollback retried${details.reason ? `: ${show(details.reason)}` : ''}`],
  [
    'rollout.planned',
    (details) =>
      `planned: ${show(details.hosts)} hosts in ${show(details.waves)} waves (${show(details.excluded)} excluded), target ${show(details.target)}, spec sha256 ${String(details.specSha256 ?? '').slice(0, 12)}`,
  ],
  [
    'rollout.runner-started',
    (details) => `runner started: pid ${show(details.pid)}${details.tookOverFrom ? `, took over from ${show(details.tookOverFrom)}` : ''}${details.transport ? ` (${show(details.transport)})` : ''}`,
  ],
  ['rollout.runner-interrupted', (details) => `runner interrupted (rollout ${show(details.status)})`],
  ['rollout.runner-observed', (details) => `runner saw ${show(details.from)} -> ${show(details.to)} ${show(details.latencyMs)} ms after the change`],
  ['rollout.soak-started', (details) => `soak of wave ${show(details.wave)} started (${show(details.seconds)} s)`],
  [
    'rollout.health-read',
    (details) =>
      `health of wave ${show(details.wave)}${details.final === true ? ' (final read)' : ''}: ${details.healthy === true ? 'healthy' : 'UNHEALTHY'}, ${show(details.hostsChecked)} hosts checked, ${show(details.unhealthyHosts)} unhealthy`,
  ],
  ['rollout.hosts-released', (details) => `${show(details.hosts)} host locks released (${show(details.status)})`],
  ['rollout.webhook', (details) => `webhook for ${show(details.to)}: ${details.ok === true ? 'delivered' : `not delivered${details.error ? ` (${show(details.error)})` : ''}`}`],
]);

/** A host's state change in a rollout: `rollout.host.<new status>`. */
const ROLLOUT_HOST_STATE = 'rollout.host.';

/** A rollout's own state change: `rollout.<new status>` (planned, paused, aborted, ...). */
const ROLLOUT_STATE = 'rollout.';

export function describeEvent(event: Pick<AuditEvent, 'action' | 'details'>): string {
  const details = (event.details ?? {}) as Details;
  const known = DESCRIBE.get(event.action);
  if (known) return known(details);
  if (event.action.startsWith(ROLLOUT_HOST_STATE)) return `${show(details.from)} -> ${event.action.slice(ROLLOUT_HOST_STATE.length)}${details.reason ? `: ${show(details.reason)}` : ''}`;
  if (event.action.startsWith(ROLLOUT_STATE)) {
    const to = event.action.slice(ROLLOUT_STATE.length);
    const what = details.from === to && to === 'running' ? `wave ${show(details.wave)} started` : `${show(details.from)} -> ${to}`;
    return `${what}${details.reason ? `: ${show(details.reason)}` : ''}`;
  }
  return `${event.action} ${JSON.stringify(details)}`;
}

/** Rollout events name the rollout as their subject; a probe a rollout made names it in its details. */
function rolloutOf(event: AuditEvent): string | null {
  if (event.subject.startsWith('rollout:')) return event.subject.slice('rollout:'.length);
  const named = (event.details as Details | null)?.rollout;
  return typeof named === 'string' ? named : null;
}

/** Events as a timeline, oldest first (a host's history, a rollout's lifecycle). Pure: the events come in as data. */
export function eventTimeline(events: readonly AuditEvent[]): TimelineEntry[] {
  return events.map((event) => ({
    id: event.id,
    at: event.at,
    actor: `${event.actorUser}@${event.actorMachine}`,
    reason: event.reason,
    action: event.action,
    rollout: rolloutOf(event),
    summary: describeEvent(event),
    details: event.details,
  }));
}
