import { stepAction, type Playbook, type PlaybookStep } from './playbook.js';
import { commandTemplateProblems, HOST_FIELDS, placeholders, TemplateError } from './template.js';

/** A step's templates: commands (shell) and upload paths (not shell). */
function templatesOf(step: PlaybookStep): { text: string; shell: boolean; uploadSource: boolean }[] {
  const action = stepAction(step);
  const texts =
    'command' in action
      ? [{ text: action.command, shell: true, uploadSource: false }]
      : [
          { text: action.src, shell: false, uploadSource: true },
          { text: action.dest, shell: false, uploadSource: false },
        ];
  return step.skip_if ? [...texts, { text: step.skip_if, shell: true, uploadSource: false }] : texts;
}

/**
 * Placeholders that can never be filled, or could be filled unsafely, found at plan time rather
 * than on the hundredth host: malformed placeholders, unknown names, vars nobody sets, registered
 * values no earlier step registers, placeholders where the shell would not read them as one word,
 * and upload sources that depend on a host's output (they could not be pinned at plan time).
 */
export function checkPlaybookReferences(playbook: Playbook, specVars: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const vars = new Set([...Object.keys(playbook.vars), ...Object.keys(specVars)]);
  const allRegistered = new Set(playbook.steps.flatMap((step) => (step.register ? [step.register] : [])));
  const check = (section: string, steps: readonly PlaybookStep[], registeredBefore: (index: number) => Set<string>) =>
    steps.forEach((step, index) => {
      const where = `${section}[${index}]${step.name ? ` (${step.name})` : ''}`;
      const whenVar = step.when?.replace(/^!?vars\./, '');
      if (whenVar !== undefined && !vars.has(whenVar)) problems.push(`${where}: when: ${step.when} names a var that neither the spec nor the playbook sets`);
      for (const template of templatesOf(step)) {
        let names: string[];
        try {
          names = placeholders(template.text);
          if (template.shell) problems.push(...commandTemplateProblems(template.text).map((problem) => `${where}: ${problem}`));
        } catch (error) {
          if (!(error instanceof TemplateError)) throw error;
          problems.push(`${where}: ${error.message}`);
          continue;
        }
        for (const name of names) {
          const [head, key] = name.split('.');
          if ((head === 'target' || head === 'rollout') && key === undefined) continue;
          if (head === 'host' && key !== undefined && (HOST_FIELDS as readonly string[]).includes(key)) continue;
          if (head === 'vars' && key !== undefined) {
            if (!vars.has(key)) problems.push(`${where}: {{ ${name} }} is not set by the spec's vars or the playbook's vars`);
            continue;
          }
          if (head === 'registered' && key !== undefined) {
            if (template.uploadSource) problems.push(`${where}: {{ ${name} }} in an upload source: what a rollout ships is pinned (sha256) at plan time, before any host has answered`);
            else if (!registeredBefore(index).has(key)) problems.push(`${where}: {{ ${name} }} is not registered by ${section === 'steps' ? 'an earlier step' : 'any step'}`);
            continue;
          }
          problems.push(`${where}: {{ ${name} }} is not a known placeholder`);
        }
      }
    });
  check('steps', playbook.steps, (index) => new Set(playbook.steps.slice(0, index).flatMap((step) => (step.register ? [step.register] : []))));
  check('checks', playbook.checks, () => allRegistered);
  check('rollback', playbook.rollback, () => allRegistered);
  check('cleanup', playbook.cleanup, () => allRegistered);
  return problems;
}
