import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import { withStore, type Store } from '../adapters/store/store.js';
import type { Actor, EventDraft } from '../audit/event.js';
import { FleetwaveError } from '../errors.js';
import type { Host, InventoryHost } from '../fleet/host.js';
import { planImport, type FieldChange, type ImportPlan } from '../fleet/import-plan.js';
import { parseInventory } from '../inventory/parse-inventory.js';
import { formatProblem } from '../documents/problem.js';
import type { InventoryFormat } from '../inventory/source.js';

export interface ImportInventoryRequest {
  dbPath: string;
  file: string;
  format?: InventoryFormat;
  defaultCluster?: string;
  prune: boolean;
  dryRun: boolean;
  reason?: string;
  clock: Clock;
}

export interface ImportResult {
  file: string;
  sha256: string;
  format: InventoryFormat;
  dryRun: boolean;
  hostsInFile: number;
  added: string[];
  changed: { hostname: string; changes: FieldChange[] }[];
  removed: string[];
  unchanged: number;
  /** Labels fleetwave owns (fleetwave/quarantine) that the file leaves out: kept, never cleared by an import. */
  kept: { hostname: string; labels: Record<string, string> }[];
  warnings: string[];
}

const PROBLEMS_IN_MESSAGE = 30;

function readInventoryFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new FleetwaveError('INVENTORY_UNREADABLE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      suggestions: ['Check the path; formats accepted: csv, json, yaml, ansible-ini, ansible-yaml, kubectl.'],
    });
  }
}

/** Hosts per append: the events of a million-host import are built and hashed a slice at a time, not held all at once. */
const IMPORT_EVENTS_PER_APPEND = 10_000;

function* slices<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += IMPORT_EVENTS_PER_APPEND) yield items.slice(start, start + IMPORT_EVENTS_PER_APPEND);
}

/** The import's audit events, in order (the summary, then added, changed and removed hosts), a slice at a time. */
function* importEvents(plan: ImportPlan, summary: Record<string, unknown>): Generator<EventDraft[]> {
  yield [{ subject: 'fleet', action: 'fleet.imported', details: summary }];
  for (const added of slices(plan.added)) {
    yield added.map((upsert) => ({
      subject: `host:${upsert.fields.hostname}`,
      host: upsert.fields.hostname,
      action: 'host.added',
      details: { ...upsert.fields, ...(upsert.runningKernel ? { runningKernel: upsert.runningKernel } : {}) },
    }));
  }
  for (const changed of slices(plan.changed)) {
    yield changed.map(({ upsert, changes }) => ({ subject: `host:${upsert.fields.hostname}`, host: upsert.fields.hostname, action: 'host.updated', details: { changes } }));
  }
  for (const removed of slices(plan.removed)) {
    yield removed.map((hostname) => ({ subject: `host:${hostname}`, host: hostname, action: 'host.removed', details: {} }));
  }
}

/** All-or-nothing: the file is parsed and validated completely before the database is opened for writing. */
export function importInventory(request: ImportInventoryRequest): ImportResult {
  const text = readInventoryFile(request.file);
  const sha256 = createHash('sha256').update(text).digest('hex');
  const parsed = parseInventory(request.file, text, {
    ...(request.format ? { format: request.format } : {}),
    ...(request.defaultCluster ? { defaultCluster: request.defaultCluster } : {}),
  });
  if (parsed.problems.length > 0) {
    const lines = parsed.problems.slice(0, PROBLEMS_IN_MESSAGE).map((problem) => formatProblem(request.file, problem));
    const more = parsed.problems.length - lines.length;
    throw new FleetwaveError(
      'INVENTORY_INVALID',
      `${request.file} was rejected (${parsed.format}, ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}); nothing was imported:\n${lines.join('\n')}${more > 0 ? `\n... and ${more} more (see --json)` : ''}`,
      {
        suggestions: ['Fix every listed line and import again; an import applies all hosts or none.'],
        details: { format: parsed.format, problems: parsed.problems.map((problem) => ({ file: request.file, ...problem })) },
      },
    );
  }
  if (request.prune && parsed.hosts.length === 0) {
    throw new FleetwaveError('INVENTORY_INVALID', `${request.file} lists no hosts; with --prune that would remove the whole fleet`, {
      suggestions: ['Check that this is the right file; to empty the fleet, remove hosts explicitly.'],
    });
  }

  const summarize = (plan: ImportPlan): ImportResult => ({
    file: request.file,
    sha256,
    format: parsed.format,
    dryRun: request.dryRun,
    hostsInFile: parsed.hosts.length,
    added: plan.added.map((upsert) => upsert.fields.hostname),
    changed: plan.changed.map(({ upsert, changes }) => ({ hostname: upsert.fields.hostname, changes })),
    removed: plan.removed,
    unchanged: plan.unchanged,
    kept: plan.kept,
    warnings: parsed.warnings,
  });

  if (request.dryRun) {
    // A dry run never creates the database: planning against an absent one means "all added".
    let existing: Host[] = [];
    try {
      existing = withStore({ path: request.dbPath, create: false }, (store) => store.hosts.all());
    } catch (error) {
      if (!(error instanceof FleetwaveError && error.code === 'DB_NOT_FOUND')) throw error;
    }
    return summarize(refuseCaseConflicts(planImport(existing, parsed.hosts, { prune: request.prune })));
  }

  return withStore({ path: request.dbPath, create: true }, (store) => {
    const plan = applyInventory(store, parsed.hosts, {
      prune: request.prune,
      now: request.clock.now().toISOString(),
      actor: currentActor(request.reason),
      summary: { file: request.file, sha256, format: parsed.format },
    });
    return summarize(plan);
  });
}

export interface ApplyInventoryOptions {
  prune: boolean;
  now: string;
  actor: Actor;
  /** Where the hosts came from, recorded on the fleet.imported event. */
  summary: Record<string, unknown>;
}

/** Writes a plan's rows and its audit events; the caller holds the transaction. */
function writePlan(store: Store, plan: ImportPlan, hostsInSource: number, options: ApplyInventoryOptions): void {
  for (const upsert of plan.added) store.hosts.insertHost(upsert, options.now);
  for (const { upsert } of plan.changed) store.hosts.updateHost(upsert, options.now);
  for (const hostname of plan.removed) store.hosts.removeHost(hostname);
  const summary = {
    ...options.summary,
    hostsInFile: hostsInSource,
    added: plan.added.length,
    changed: plan.changed.length,
    removed: plan.removed.length,
    unchanged: plan.unchanged,
    prune: options.prune,
  };
  for (const drafts of importEvents(plan, summary)) store.events.append(drafts, options.actor, options.now);
}

/**
 * Plans against the current state and applies the plan inside one IMMEDIATE transaction with its
 * audit events, so a concurrent import cannot interleave and a crash leaves the previous state.
 */
export function applyInventory(store: Store, hosts: readonly InventoryHost[], options: ApplyInventoryOptions): ImportPlan {
  return store.write(() => {
    const plan = refuseCaseConflicts(planImport(store.hosts.all(), hosts, { prune: options.prune }));
    refuseHeldHosts(store, plan.removed, '--prune would remove', 'nothing was imported');
    writePlan(store, plan, hosts.length, options);
    return plan;
  });
}

/** Host names are DNS names: a host spelled with other capitals than one in the fleet is that host, and ambiguous. */
function refuseCaseConflicts(plan: ImportPlan): ImportPlan {
  if (plan.caseConflicts.length === 0) return plan;
  throw new FleetwaveError(
    'INVENTORY_INVALID',
    `${plan.caseConflicts.length} hosts differ only in case from hosts already in the fleet (${plan.caseConflicts
      .slice(0, 5)
      .map((conflict) => `${conflict.incoming} vs ${conflict.existing}`)
      .join(', ')}); nothing was imported`,
    {
      suggestions: ['Spell them as the fleet does; host names are not case-sensitive.'],
      details: { caseConflicts: plan.caseConflicts },
    },
  );
}

/** A host a rollout holds is never removed from the inventory under it (import --prune, lab down). */
export function refuseHeldHosts(store: Store, hostnames: readonly string[], doing: string, outcome: string): void {
  const locks = store.rollouts.locks();
  const held = hostnames.filter((hostname) => locks.has(hostname));
  if (held.length === 0) return;
  const rollouts = [...new Set(held.map((hostname) => locks.get(hostname)!))];
  throw new FleetwaveError(
    'HOSTS_LOCKED',
    `${doing} ${held.length} hosts that an active rollout holds (${held
      .slice(0, 5)
      .map((hostname) => `${hostname}: ${locks.get(hostname)}`)
      .join(', ')}${held.length > 5 ? ', ...' : ''}); ${outcome}`,
    {
      suggestions: [`Let the rollout finish, or abort it first: ${rollouts.map((name) => `fleetwave rollout abort ${name} --reason ...`).join('; ')}`],
      details: { held: held.map((hostname) => ({ hostname, rollout: locks.get(hostname) })) },
    },
  );
}

/** Removes the hosts `select` picks, with a host.removed event each, in one transaction; never hosts a rollout holds. */
export function removeHosts(store: Store, select: (host: Host) => boolean, options: Omit<ApplyInventoryOptions, 'prune'>): string[] {
  return store.write(() => {
    const removed = store.hosts
      .all()
      .filter(select)
      .map((host) => host.hostname);
    refuseHeldHosts(store, removed, 'would remove', 'nothing was removed');
    if (removed.length > 0) writePlan(store, { added: [], changed: [], removed, unchanged: 0, kept: [], caseConflicts: [] }, 0, { ...options, prune: true });
    return removed;
  });
}
