import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import { withStore } from '../adapters/store/store.js';
import type { EventDraft } from '../audit/event.js';
import { FleetwaveError } from '../errors.js';
import type { Host } from '../fleet/host.js';
import { planImport, type FieldChange, type ImportPlan } from '../fleet/import-plan.js';
import { formatProblem, parseInventory } from '../inventory/parse-inventory.js';
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

function importEvents(plan: ImportPlan, summary: Record<string, unknown>): EventDraft[] {
  return [
    { subject: 'fleet', action: 'fleet.imported', details: summary },
    ...plan.added.map((upsert) => ({ subject: `host:${upsert.fields.hostname}`, host: upsert.fields.hostname, action: 'host.added', details: { ...upsert.fields, ...(upsert.runningKernel ? { runningKernel: upsert.runningKernel } : {}) } })),
    ...plan.changed.map(({ upsert, changes }) => ({ subject: `host:${upsert.fields.hostname}`, host: upsert.fields.hostname, action: 'host.updated', details: { changes } })),
    ...plan.removed.map((hostname) => ({ subject: `host:${hostname}`, host: hostname, action: 'host.removed', details: {} })),
  ];
}

/**
 * All-or-nothing: the file is parsed and validated completely before the database is opened for
 * writing, and the plan is computed and applied inside one IMMEDIATE transaction with its audit
 * events, so a concurrent import cannot interleave and a crash leaves the previous state.
 */
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
    return summarize(planImport(existing, parsed.hosts, { prune: request.prune }));
  }

  return withStore({ path: request.dbPath, create: true }, (store) => {
    const now = request.clock.now().toISOString();
    const actor = currentActor(request.reason);
    return store.write(() => {
      const plan = planImport(store.hosts.all(), parsed.hosts, { prune: request.prune });
      for (const upsert of plan.added) store.hosts.insertHost(upsert, now);
      for (const { upsert } of plan.changed) store.hosts.updateHost(upsert, now);
      for (const hostname of plan.removed) store.hosts.removeHost(hostname);
      const result = summarize(plan);
      store.events.append(
        importEvents(plan, {
          file: request.file,
          sha256,
          format: parsed.format,
          hostsInFile: parsed.hosts.length,
          added: plan.added.length,
          changed: plan.changed.length,
          removed: plan.removed.length,
          unchanged: plan.unchanged,
          prune: request.prune,
        }),
        actor,
        now,
      );
      return result;
    });
  });
}
