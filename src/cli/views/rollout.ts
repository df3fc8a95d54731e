import type { RolloutPlanResult } from '../../services/rollout-plan.js';
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
      { header: 'FIRST HOSTS', value: (wave) => {
        const hosts = wave.batches.flat();
        return `${hosts.slice(0, SHOWN).join(', ')}${hosts.length > SHOWN ? `, ... (+${hosts.length - SHOWN})` : ''}`;
      } },
    ]),
  );
  lines.push(`soak ${spec.soak} s after each wave; failure budget ${formatAmount(spec.failureBudget.perWave)} per wave, ${formatAmount(spec.failureBudget.overall)} overall, then ${spec.failureBudget.onSpent}`);
  if (plan.excluded.length > 0) {
    lines.push('', 'Excluded:', renderTable(plan.excluded, [
      { header: 'HOSTNAME', value: (entry) => entry.hostname },
      { header: 'REASON', value: (entry) => entry.reason },
    ]));
  }
  for (const problem of plan.problems) lines.push(`Problem: ${problem}`);
  lines.push('', 'This plan is not saved: `rollout run` (which will store and execute it) is not built yet.');
  return lines.join('\n');
}
