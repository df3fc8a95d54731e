import type { RolloutPlanResult } from '../../services/rollout-plan.js';
import type { StoredRollout } from '../../adapters/store/rollout-repository.js';
import { renderTable } from '../render-table.js';

const SHOWN = 6;

function formatAmount(amount: number | { percent: number }): string {
  return typeof amount === 'number' ? String(amount) : `${amount.percent}%`;
}

export function renderRolloutPlan(result: RolloutPlanResult): string {
  const { spec, plan } = result;
  const lines = [`rollout ${spec.name}: ${spec.kind} -> ${spec.target}; ${result.selected} hosts selected, ${plan.hostCount} to change, ${plan.excluded.length} excluded`];
  lines.push(
    renderTable(plan.waves, [
      { header: 'WAVE', value: (wave) => (wave.canary ? 'canary' : String(wave.index)) },
      { header: 'HOSTS', value: (wave) => wave.batches.flat().length, align: 'right' },
      { header: 'BATCHES', value: (wave) => wave.batches.length, align: 'right' },
      {
        header: 'FIRST HOSTS',
        value: (wave) => {
          const hosts = wave.batches.flat();
          return `${hosts.slice(0, SHOWN).join(', ')}${hosts.length > SHOWN ? `, ... (+${hosts.length - SHOWN})` : ''}`;
        },
      },
    ]),
  );
  lines.push(
    `soak ${spec.soak} s after each wave; failure budget ${formatAmount(spec.failureBudget.perWave)} per wave, ${formatAmount(spec.failureBudget.overall)} overall, then ${spec.failureBudget.onSpent}`,
  );
  if (plan.excluded.length > 0) {
    lines.push(
      '',
      'Excluded:',
      renderTable(plan.excluded, [
        { header: 'HOSTNAME', value: (entry) => entry.hostname },
        { header: 'REASON', value: (entry) => entry.reason },
      ]),
    );
  }
  for (const problem of plan.problems) lines.push(`Problem: ${problem}`);
  lines.push(
    '',
    result.saved
      ? `Saved as rollout ${spec.name} (planned); its ${plan.hostCount} hosts are locked to it. Start it with: fleetwave rollout run ${spec.name}`
      : 'Not saved (dry run, or the plan has problems).',
  );
  return lines.join('\n');
}

export function renderRolloutList(result: { rollouts: StoredRollout[] }): string {
  if (result.rollouts.length === 0) return 'No rollouts.';
  return renderTable(result.rollouts, [
    { header: 'NAME', value: (rollout) => rollout.name },
    { header: 'KIND', value: (rollout) => rollout.kind },
    { header: 'TARGET', value: (rollout) => rollout.target },
    { header: 'STATUS', value: (rollout) => rollout.status },
    { header: 'HOSTS', value: (rollout) => rollout.hosts, align: 'right' },
    { header: 'CREATED', value: (rollout) => rollout.createdAt },
  ]);
}
