import type { Progress } from '../progress.js';
import type { RolloutControlResult } from '../../services/rollout-control.js';
import type { RunProgress } from '../../services/rollout-run/run-progress.js';
import type { RunRolloutResult } from '../../services/rollout-run/run-rollout.js';
import type { RolloutStatusResult } from '../../services/rollout-status.js';
import { reasonOf } from '../../rollout/host-machine.js';
import { renderTable } from '../render-table.js';

const time = () => new Date().toISOString().slice(11, 19);
const HOSTS_SHOWN = 40;

function formatCounts(byStatus: Record<string, number>): string {
  const order = ['succeeded', 'running', 'verifying', 'pending', 'failed', 'rolling-back', 'rolled-back', 'rollback-failed', 'skipped'];
  return order
    .filter((status) => byStatus[status])
    .map((status) => `${byStatus[status]} ${status}`)
    .join(', ');
}

/** One line per event for logs and pipes; `null` for what is only shown in the live footer. */
export function progressText(progress: RunProgress): string | null {
  switch (progress.type) {
    case 'rollout':
      return `${time()} rollout ${progress.status}${progress.reason ? `: ${progress.reason}` : ''}${progress.by === 'operator' ? ' (requested by an operator)' : ''}`;
    case 'host':
      return `${time()} wave ${progress.wave} ${progress.hostname}: ${progress.status}${progress.detail ? ` (${progress.detail})` : ''}`;
    case 'step':
      return `${time()}   ${progress.hostname}: ${progress.label}: ${progress.outcome}${progress.detail ? ` - ${progress.detail}` : ''} [${(progress.durationMs / 1000).toFixed(1)}s]`;
    case 'wait':
      return `${time()} waiting: ${progress.why}`;
    case 'wave-completed':
      return `${time()} wave ${progress.wave} completed; starting wave ${progress.next}`;
    case 'health':
      return `${time()} wave ${progress.wave} health: ${progress.healthy ? 'healthy' : 'UNHEALTHY'} (${progress.detail})`;
    case 'counts':
      return null;
  }
}

/** A run's progress: every event as a line; the wave's counts as the status line a terminal redraws. */
export function runProgress(progress: Progress): (event: RunProgress) => void {
  return (event) => {
    if (event.type === 'counts') {
      progress.status(`wave ${event.wave + 1}/${event.waves}: ${formatCounts(event.byStatus)}`);
      return;
    }
    const line = progressText(event);
    if (line !== null) progress.line(line);
  };
}

export function renderRunResult(result: RunRolloutResult): string {
  const lines = [`rollout ${result.name}: ${result.status}${result.reason ? ` (${result.reason})` : ''}; hosts: ${formatCounts(result.hosts)}`];
  if (result.tookOverFrom) lines.push(`Took over from a runner that stopped (${result.tookOverFrom}).`);
  if (result.failed.length > 0) {
    lines.push(
      '',
      'Hosts that failed:',
      renderTable(result.failed, [
        { header: 'HOSTNAME', value: (host) => host.hostname },
        { header: 'STATE', value: (host) => host.status },
        { header: 'REASON', value: (host) => host.reason },
      ]),
    );
  }
  if (result.stoppedBecause === 'interrupted') lines.push('', `Interrupted: hosts in flight stopped after their current step. Continue with \`fleetwave rollout run ${result.name}\`.`);
  if (result.stoppedBecause === 'halted')
    lines.push('', `Halted: look at the failures, then \`fleetwave rollout resume ${result.name} --reason ...\` and run it again, or \`fleetwave rollout rollback ${result.name} --reason ...\`.`);
  return lines.join('\n');
}

export function renderControl(result: RolloutControlResult): string {
  const lines = [`rollout ${result.name}: ${result.from} -> ${result.to}`];
  if (result.locksReleased > 0) lines.push(`${result.locksReleased} hosts released.`);
  if (result.rollbacksRetried > 0) lines.push(`${result.rollbacksRetried} hosts whose rollback failed are rolled back again.`);
  if (result.retryRefused.length > 0) lines.push(`Not retried, held by another rollout now: ${result.retryRefused.join(', ')}.`);
  if (result.to === 'paused') {
    lines.push(
      result.inFlightHosts === 0
        ? 'No host is in flight; no new host starts until `fleetwave rollout resume`.'
        : result.runnerActive
          ? `${result.inFlightHosts} hosts in flight finish their whole playbook (reboots included; a pause never stops a host half way); no new host starts until \`fleetwave rollout resume\`.`
          : `${result.inFlightHosts} hosts were in flight when their runner stopped: they stay as they are until \`fleetwave rollout run ${result.name}\` finishes their playbook (also while paused); no new host starts.`,
    );
  } else if (result.unsettledHosts > 0) {
    lines.push(
      result.runnerActive
        ? `The running runner rolls back the ${result.unsettledHosts} hosts in flight.`
        : `${result.unsettledHosts} hosts in flight need rolling back: run \`fleetwave rollout run ${result.name}\`.`,
    );
  } else if (result.to === 'running' || result.to === 'rolling-back') {
    lines.push(result.runnerActive ? 'The running runner picks this up within a second.' : `No runner is active: run \`fleetwave rollout run ${result.name}\`.`);
  }
  if (result.webhook) lines.push(`Webhook: ${result.webhook.delivered ? 'delivered' : 'NOT delivered'} (${result.webhook.detail}).`);
  return lines.join('\n');
}

export function renderRolloutStatus(result: RolloutStatusResult, options: { allHosts: boolean }): string {
  const { rollout } = result;
  const lines = [`rollout ${rollout.name}: ${rollout.kind} -> ${rollout.target}, ${rollout.status}${rollout.reason ? ` (${rollout.reason})` : ''}, wave ${rollout.wave}`];
  if (result.frozen) lines.push(`FLEET FROZEN since ${result.frozen.since} by ${result.frozen.actor}: ${result.frozen.reason}`);
  lines.push(
    result.runner
      ? `runner: pid ${result.runner.pid} on ${result.runner.machine}, heartbeat ${result.runner.heartbeatAt}${result.runner.alive ? '' : ' (EXPIRED: the runner is gone)'}`
      : 'runner: none',
  );
  if (rollout.soakStartedAt) lines.push(`soaking since ${rollout.soakStartedAt}`);
  lines.push(
    '',
    renderTable(result.waves, [
      { header: 'WAVE', value: (wave) => wave.wave },
      { header: 'HOSTS', value: (wave) => wave.hosts, align: 'right' },
      { header: 'PROGRESS', value: (wave) => formatCounts(wave.byStatus) },
    ]),
  );
  const interesting = options.allHosts ? result.hosts : result.hosts.filter((host) => host.state.status !== 'pending');
  const shown = options.allHosts ? interesting : interesting.slice(-HOSTS_SHOWN);
  if (shown.length > 0) {
    lines.push(
      '',
      renderTable(shown, [
        { header: 'HOSTNAME', value: (host) => host.hostname },
        { header: 'WAVE', value: (host) => host.wave, align: 'right' },
        { header: 'STATE', value: (host) => (host.state.status === 'running' ? `running step ${host.state.step + 1}` : host.state.status) },
        { header: 'REASON', value: (host) => reasonOf(host.state) ?? '' },
      ]),
    );
    if (shown.length < interesting.length) lines.push(`(${interesting.length - shown.length} more; --all-hosts shows every host)`);
  }
  const page = result.hostPage;
  if (page.matching > page.offset + result.hosts.length) {
    lines.push(
      `(hosts ${page.offset + 1}-${page.offset + result.hosts.length} of ${page.matching}${page.states ? ` ${page.states.join('/')}` : ''} read; --offset ${page.offset + result.hosts.length} reads on)`,
    );
  }
  if (result.events.length > 0) {
    lines.push(
      '',
      'Latest events:',
      ...result.events.map((event) => `  ${event.at} ${event.action}${event.host ? ` ${event.host}` : ''} by ${event.actorUser}${event.reason ? ` (${event.reason})` : ''}`),
    );
  }
  return lines.join('\n');
}
