import { stepAction, stepEnabled, stepLabel, type Playbook } from './playbook.js';

/**
 * What a rollback must undo, judged from what the ledger knows. Pure.
 *
 * A forward step `ran` when it finished having done its work; it `may-have-run` when it was issued
 * and then failed, timed out, lost its connection, or was left started by a runner that died (the
 * command may have done some or all of its work); it is `not-run` when it was never issued (the
 * host could not be reached, its `skip_if` said the work was already there, its `when` was false).
 * A rollback undoes everything that ran or may have run: a step that "only failed" may have
 * half-done its work, and one that timed out may have done all of it.
 */
export type StepRan = 'ran' | 'may-have-run' | 'not-run';

/** What the ledger knows of one forward step on one host. */
export interface StepRecord {
  index: number;
  status: 'started' | 'done' | 'failed';
  /** The step did nothing: skip_if held or its `when` was false. */
  skipped: boolean;
  /** False when the step's action was never issued (unreachable, skip_if could not run). */
  attempted: boolean;
}

export function judgeStepsRun(stepCount: number, records: readonly StepRecord[]): StepRan[] {
  const ran: StepRan[] = Array.from({ length: stepCount }, () => 'not-run');
  for (const record of records) {
    if (record.index < 0 || record.index >= stepCount) continue;
    ran[record.index] = record.status === 'started' ? 'may-have-run' : record.status === 'done' ? (record.skipped ? 'not-run' : 'ran') : record.attempted ? 'may-have-run' : 'not-run';
  }
  return ran;
}

export interface TouchedStep {
  index: number;
  name: string;
  ran: Exclude<StepRan, 'not-run'>;
}

export interface RollbackPlan {
  /** Forward steps that changed, or may have changed, the host (checks change nothing). */
  touched: TouchedStep[];
  /** Every rollback step, whether it runs and why. */
  steps: { index: number; name: string; run: boolean; why: string }[];
}

export function undoneBy(step: Playbook['rollback'][number]): string[] {
  return step.undoes === undefined ? [] : typeof step.undoes === 'string' ? [step.undoes] : step.undoes;
}

/**
 * Which rollback steps run: none when nothing was touched; none whose `when` is false for these
 * vars; a step with `undoes` only when one of the steps it undoes ran or may have run; every other
 * step whenever anything was touched.
 */
export function planRollback(playbook: Playbook, ran: readonly StepRan[], vars: Readonly<Record<string, string>>): RollbackPlan {
  const touched: TouchedStep[] = playbook.steps.flatMap((step, index) => {
    const state = ran[index] ?? 'not-run';
    return state !== 'not-run' && stepAction(step).kind !== 'check' ? [{ index, name: stepLabel(step, index), ran: state }] : [];
  });
  const steps = playbook.rollback.map((step, index) => {
    const name = stepLabel(step, index);
    if (touched.length === 0) return { index, name, run: false, why: 'nothing to undo: no step changed the host' };
    if (!stepEnabled(step, vars)) return { index, name, run: false, why: `when: ${step.when} is not true` };
    const undoes = undoneBy(step);
    if (undoes.length === 0) return { index, name, run: true, why: 'part of every rollback' };
    const hit = touched.filter((candidate) => undoes.includes(candidate.name));
    return hit.length > 0 ? { index, name, run: true, why: `undoes ${hit.map(describeTouched).join(', ')}` } : { index, name, run: false, why: `nothing to undo: ${undoes.join(', ')} never ran here` };
  });
  return { touched, steps };
}

export function describeTouched(step: TouchedStep): string {
  return `"${step.name}" (${step.ran === 'ran' ? 'ran' : 'may have run'})`;
}

/**
 * What is left undone when a rollback stops at `failedIndex`: every touched step whose undo steps
 * did not all complete, and the rollback steps that never ran.
 */
export function describeNotUndone(playbook: Playbook, plan: RollbackPlan, failedIndex: number): string {
  const incomplete = plan.steps.filter((step) => step.run && step.index >= failedIndex);
  const incompleteNames = new Set(incomplete.flatMap((step) => undoneBy(playbook.rollback[step.index]!)));
  const generic = incomplete.some((step) => undoneBy(playbook.rollback[step.index]!).length === 0);
  const left = plan.touched.filter((step) => incompleteNames.has(step.name) || generic);
  const parts = [
    left.length > 0 ? `not undone: ${left.map(describeTouched).join(', ')}` : null,
    incomplete.length > 0 ? `rollback steps not completed: ${incomplete.map((step) => `"${step.name}"`).join(', ')}` : null,
  ];
  return parts.filter(Boolean).join('; ');
}

export type Facts = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

/** Where the host's state after a rollback differs from before the rollout touched it. */
export function judgeRestored(before: Facts, after: Facts): string[] {
  const show = (value: Facts[string] | undefined) => (value === null || value === undefined || value === '' ? 'none' : Array.isArray(value) ? value.join(', ') || 'none' : String(value));
  return Object.keys(before).flatMap((key) => (JSON.stringify(before[key] ?? null) === JSON.stringify(after[key] ?? null) ? [] : [`${key} is ${show(after[key])}, was ${show(before[key])}`]));
}
