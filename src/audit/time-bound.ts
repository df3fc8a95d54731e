import { FleetwaveError } from '../errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A window of the trail as `--since` and `--until` give it, each resolved to ISO UTC; absent bounds stay absent. */
export function parseTimeWindow(given: { since?: string | undefined; until?: string | undefined }, now: Date): { since?: string; until?: string } {
  return {
    ...(given.since === undefined ? {} : { since: parseTimeBound(given.since, now, '--since') }),
    ...(given.until === undefined ? {} : { until: parseTimeBound(given.until, now, '--until') }),
  };
}

/** Accepts an ISO date/time or a duration back from `now` ("90m", "12h", "7d"); returns ISO UTC. */
export function parseTimeBound(text: string, now: Date, flag: string): string {
  const relative = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]!]!).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const parsed = new Date(text.trim());
    if (!Number.isNaN(parsed.getTime())) return parsed.toISOString();
  }
  throw new FleetwaveError('TIME_INVALID', `${flag} ${JSON.stringify(text)} is neither an ISO time nor a duration`, {
    suggestions: [`Use ${flag} 2026-11-23T08:00:00Z, ${flag} 2026-11-23, or a duration back from now such as ${flag} 6h or ${flag} 7d.`],
  });
}
