import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../adapters/clock.js';
import { withStore } from '../adapters/store/store.js';
import { FleetwaveError } from '../errors.js';
import { summarizeFleet } from '../fleet/summary.js';
import { buildFleetReport, type FleetReport } from '../reports/fleet-report.js';
import { fleetReportHtml, rolloutReportHtml } from '../reports/report-html.js';
import { buildRolloutReport, type RolloutReport } from '../reports/rollout-report.js';
import { verifyStoredTrail } from './audit-trail.js';
import { fleetAt, fleetSelection } from './fleet-queries.js';

export interface WrittenFile {
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * Writes a report beside its final name and renames it into place, so a reader never sees half a
 * page. An existing file is kept unless `force`: fleetwave never deletes what it did not make.
 */
function writeReport(file: string, text: string, force: boolean): WrittenFile {
  const target = path.resolve(file);
  if (existsSync(target) && !force) {
    throw new FleetwaveError('OUTPUT_EXISTS', `${file} exists; the report was not written`, { suggestions: ['Name another file, or pass --force to replace it.'] });
  }
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'wx', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new FleetwaveError('USAGE', `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      suggestions: ['Check that the directory exists and is writable.'],
    });
  }
  return { file: target, bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') };
}

/** One millisecond after `at`: the fleet before it includes what happened at it. */
function justAfter(at: string): string {
  return new Date(Date.parse(at) + 1).toISOString();
}

export interface RolloutReportRequest {
  dbPath: string;
  name: string;
  html?: string;
  force: boolean;
  clock: Clock;
}

export function reportRollout(request: RolloutReportRequest): { written: WrittenFile | null; report: RolloutReport } {
  const report = withStore({ path: request.dbPath, create: false }, (store) => {
    const rollout = store.rollouts.find(request.name);
    const definition = store.rollouts.definition(request.name);
    if (!rollout || !definition) {
      throw new FleetwaveError('ROLLOUT_NOT_FOUND', `no rollout named ${request.name}`, { suggestions: ['List rollouts with: fleetwave rollout list'] });
    }
    const events = store.events.query({ subject: `rollout:${request.name}`, limit: 0, count: false }).events;
    // Before: the fleet as the runner first found it (as planned, when it never ran). After: as it left it.
    const started = events.find((event) => event.action === 'rollout.runner-started') ?? events[0];
    const before = started?.at ?? rollout.createdAt;
    const after = justAfter(events.at(-1)?.at ?? rollout.updatedAt);
    const compositionAt = (at: string) => ({ at, summary: summarizeFleet(fleetAt(store, at), null) });
    return buildRolloutReport({
      generatedAt: request.clock.now().toISOString(),
      rollout,
      definition,
      hosts: store.rollouts.hosts(request.name),
      events,
      composition: { before: compositionAt(before), after: compositionAt(after) },
      audit: verifyStoredTrail(store),
    });
  });
  return { written: request.html === undefined ? null : writeReport(request.html, rolloutReportHtml(report), request.force), report };
}

export interface FleetReportRequest {
  dbPath: string;
  where?: string;
  at?: string;
  html?: string;
  force: boolean;
  clock: Clock;
}

export function reportFleet(request: FleetReportRequest): { written: WrittenFile | null; report: FleetReport } {
  const { at, matches } = fleetSelection(request);
  const report = withStore({ path: request.dbPath, create: false }, (store) =>
    buildFleetReport({ generatedAt: request.clock.now().toISOString(), at, where: request.where ?? null, hosts: fleetAt(store, at).filter(matches), audit: verifyStoredTrail(store) }),
  );
  return { written: request.html === undefined ? null : writeReport(request.html, fleetReportHtml(report), request.force), report };
}
