import type { Progress } from '../progress.js';
import type { FleetExecResult } from '../../services/fleet-exec.js';
import type { ResultGroup } from '../../ssh/group-results.js';

const HOSTS_SHOWN = 8;

function describeGroup(group: ResultGroup): string {
  if (group.status === 'ok') return 'ok';
  if (group.status === 'failed') return group.signal ? `killed by ${group.signal}` : `exit ${group.exitCode}`;
  return group.errorKind ?? 'error';
}

export function renderExec(result: FleetExecResult): string {
  const lines = [`${result.command}: ${result.hosts} hosts, ${result.ok} ok, ${result.failed} failed, ${result.errors} could not run`];
  for (const group of result.groups) {
    const shown = group.hostnames.slice(0, HOSTS_SHOWN).join(', ');
    const more = group.hostnames.length > HOSTS_SHOWN ? ` (+${group.hostnames.length - HOSTS_SHOWN} more)` : '';
    lines.push('', `${group.hostnames.length} host${group.hostnames.length === 1 ? '' : 's'}: ${describeGroup(group)}`, `  ${shown}${more}`);
    if (group.output)
      lines.push(
        ...group.output
          .split('\n')
          .slice(0, 20)
          .map((line) => `  | ${line}`),
      );
  }
  return lines.join('\n');
}

/** Hosts done so far, as the status line a terminal redraws; nothing to report when no one watches. */
export function hostCounter(progress: Progress, label: string): ((done: number, total: number, failed: number) => void) | undefined {
  if (!progress.live) return undefined;
  return (done, total, failed) => {
    progress.status(`${label}: ${done}/${total} done${failed > 0 ? `, ${failed} failed` : ''}`);
    if (done === total) progress.end();
  };
}
