import type { CommandResult } from './command-result.js';

/** Hosts whose results read the same, so 500 hosts summarize as "497 hosts: ok" plus the odd ones out. */
export type ResultLike = Pick<CommandResult, 'hostname' | 'status' | 'exitCode' | 'signal' | 'stdout' | 'stderr' | 'error'>;

export interface ResultGroup {
  status: 'ok' | 'failed' | 'error';
  exitCode: number | null;
  signal: string | null;
  /** What these hosts printed (or the error), identical for every host in the group. */
  output: string;
  errorKind: string | null;
  hostnames: string[];
}

function outputOf(result: ResultLike): string {
  if (result.error) return result.error.message;
  return [result.stdout.trimEnd(), result.stderr.trimEnd()].filter(Boolean).join('\n');
}

/** Largest groups first; failures before successes when sizes tie, since they are what the operator reads. */
export function groupResults(results: readonly ResultLike[]): ResultGroup[] {
  const groups = new Map<string, ResultGroup>();
  for (const result of results) {
    const output = outputOf(result);
    const key = JSON.stringify([result.status, result.exitCode, result.signal, result.error?.kind ?? null, output]);
    let group = groups.get(key);
    if (!group) {
      group = { status: result.status, exitCode: result.exitCode, signal: result.signal, output, errorKind: result.error?.kind ?? null, hostnames: [] };
      groups.set(key, group);
    }
    group.hostnames.push(result.hostname);
  }
  const rank = { error: 0, failed: 1, ok: 2 };
  return [...groups.values()].map((group) => ({ ...group, hostnames: group.hostnames.sort() })).sort((a, b) => b.hostnames.length - a.hostnames.length || rank[a.status] - rank[b.status]);
}
