import { stepAction, type Playbook, type PlaybookStep } from './playbook.js';
import { placeholders } from './template.js';

const HOST_FIELDS = new Set(['hostname', 'address', 'cluster', 'zone', 'rack']);

function templatesOf(step: PlaybookStep): string[] {
  const action = stepAction(step);
  const texts = 'command' in action ? [action.command] : [action.src, action.dest];
  return step.skip_if ? [...texts, step.skip_if] : texts;
}

/**
 * Placeholders that can never be filled, found at plan time rather than on the hundredth host:
 * unknown names, vars nobody sets, and registered values no earlier step registers.
 */
export function checkPlaybookReferences(playbook: Playbook, specVars: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const vars = new Set([...Object.keys(playbook.vars), ...Object.keys(specVars)]);
  const allRegistered = new Set(playbook.steps.flatMap((step) => (step.register ? [step.register] : [])));
  const check = (section: string, steps: readonly PlaybookStep[], registeredBefore: (index: number) => Set<string>) =>
    steps.forEach((step, index) => {
      for (const name of templatesOf(step).flatMap(placeholders)) {
        const [head, key] = name.split('.');
        const where = `${section}[${index}]${step.name ? ` (${step.name})` : ''}`;
        if ((head === 'target' || head === 'rollout') && key === undefined) continue;
        if (head === 'host' && key !== undefined && HOST_FIELDS.has(key)) continue;
        if (head === 'vars' && key !== undefined) {
          if (!vars.has(key)) problems.push(`${where}: {{ ${name} }} is not set by the spec's vars or the playbook's vars`);
          continue;
        }
        if (head === 'registered' && key !== undefined) {
          if (!registeredBefore(index).has(key)) problems.push(`${where}: {{ ${name} }} is not registered by ${section === 'steps' ? 'an earlier step' : 'any step'}`);
          continue;
        }
        problems.push(`${where}: {{ ${name} }} is not a known placeholder`);
      }
    });
  check('steps', playbook.steps, (index) => new Set(playbook.steps.slice(0, index).flatMap((step) => (step.register ? [step.register] : []))));
  check('checks', playbook.checks, () => allRegistered);
  check('rollback', playbook.rollback, () => allRegistered);
  return problems;
}
