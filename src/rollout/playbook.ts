import { z } from 'zod';
import { DurationSchema } from './duration.js';

/**
 * A playbook: the steps that change one host, the checks that say it is healthy, and the steps
 * that undo the change. Commands are POSIX sh run over SSH; `{{ name }}` placeholders are filled
 * with shell-quoted values (see template.ts), so a value can never become shell syntax.
 */
const CommandSchema = z.string().min(1);

/**
 * A var's value. Commands see text, so numbers and booleans become their YAML spelling ("3",
 * "true", which `when:` reads as true) and lists and maps become JSON, for a nested script to read
 * with jq from $FLEETWAVE_VAR_NAME. null is refused: an unset value is better left out.
 */
const VarValueSchema = z
  .union([z.string(), z.number(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown())], {
    error: 'a var is a string, number, boolean, list or map (not null)',
  })
  .transform((value) => (typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)));

/** Var names are identifiers: {{ vars.NAME }} in templates, $FLEETWAVE_VAR_NAME in nested scripts. */
export const VarsSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a var name is letters, digits and "_", not starting with a digit'), VarValueSchema);

const ActionFields = {
  run: CommandSchema.optional(),
  check: CommandSchema.optional(),
  upload: z
    .strictObject({
      src: z.string().min(1),
      dest: z.string().min(1),
      mode: z
        .string()
        .regex(/^0?[0-7]{3}$/, 'an octal mode such as "0644"')
        .optional(),
    })
    .optional(),
  reboot: z
    .preprocess(
      (value) => (value === true || value === null ? {} : value),
      z.strictObject({
        command: CommandSchema.default('reboot'),
        /** The old boot id must disappear within this time, or the reboot did not happen. */
        down_timeout: DurationSchema.default(120),
        /** A new boot id must answer within this time, or the host did not come back. */
        up_timeout: DurationSchema.default(600),
      }),
    )
    .optional(),
  wait_for: z.strictObject({ run: CommandSchema, timeout: DurationSchema.default(300), interval: DurationSchema.default(2) }).optional(),
};
const ACTIONS = Object.keys(ActionFields) as (keyof typeof ActionFields)[];

const StepSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    ...ActionFields,
    /** A command that exits 0 when the step's work is already done: the step is then skipped. */
    skip_if: CommandSchema.optional(),
    /** Keeps the step's trimmed stdout as {{ registered.NAME }}, for later steps and the rollback. */
    register: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and "_"')
      .optional(),
    timeout: DurationSchema.default(300),
    retries: z.number().int().min(0).max(10).default(0),
    retry_delay: DurationSchema.default(5),
    /** Runs the step only while a var is true ("true", "yes", "on", "1"); `!vars.NAME` negates. */
    when: z
      .string()
      .regex(/^!?vars\.[A-Za-z_][A-Za-z0-9_]*$/, 'vars.NAME or !vars.NAME')
      .optional(),
    /**
     * Runs the command on the control host (where `rollout run` runs), for the host: a kubectl
     * drain, a load balancer call. Its failure is judged like any step's.
     */
    local: z.boolean().default(false),
    /** Rollback steps only: the forward steps (by name) this step undoes; it runs only if one of them ran or may have run. */
    undoes: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  })
  .superRefine((step, context) => {
    const present = ACTIONS.filter((action) => step[action] !== undefined);
    if (present.length !== 1) {
      context.addIssue({ code: 'custom', message: present.length === 0 ? `a step needs one of: ${ACTIONS.join(', ')}` : `a step does one thing; this one has ${present.join(' and ')}` });
    }
    if (step.register && step.run === undefined) context.addIssue({ code: 'custom', path: ['register'], message: 'only a run step can register its output' });
    if (step.retries > 0 && step.reboot) context.addIssue({ code: 'custom', path: ['retries'], message: 'a reboot is never retried blindly; it is verified by boot id' });
    if (step.local && (step.upload || step.reboot)) context.addIssue({ code: 'custom', path: ['local'], message: 'only run, check and wait_for steps run on the control host' });
  });

export const PlaybookSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Defaults for {{ vars.NAME }}; a rollout spec's vars override them. */
    vars: VarsSchema.default({}),
    steps: z.array(StepSchema).min(1),
    /** Per-host health: after the steps, and again through the soak. */
    checks: z.array(StepSchema).default([]),
    rollback: z.array(StepSchema).default([]),
    /** Run once a host is settled (succeeded or rolled back): removes what the steps left in shared places. Best effort. */
    cleanup: z.array(StepSchema).default([]),
  })
  .superRefine((playbook, context) => {
    const named = new Set(playbook.steps.flatMap((step) => (step.name ? [step.name] : [])));
    for (const section of ['steps', 'checks', 'cleanup'] as const) {
      playbook[section].forEach((step, index) => {
        if (step.undoes !== undefined) context.addIssue({ code: 'custom', path: [section, index, 'undoes'], message: 'only rollback steps undo forward steps' });
      });
    }
    playbook.steps.forEach((step, index) => {
      if (step.name && playbook.steps.findIndex((other) => other.name === step.name) !== index)
        context.addIssue({ code: 'custom', path: ['steps', index, 'name'], message: `two steps are named "${step.name}"; rollback steps name the step they undo` });
    });
    playbook.rollback.forEach((step, index) => {
      const undoes = step.undoes === undefined ? [] : typeof step.undoes === 'string' ? [step.undoes] : step.undoes;
      for (const name of undoes.filter((candidate) => !named.has(candidate))) {
        context.addIssue({ code: 'custom', path: ['rollback', index, 'undoes'], message: `no step is named "${name}"` });
      }
    });
    playbook.cleanup.forEach((step, index) => {
      if (step.reboot || step.upload) context.addIssue({ code: 'custom', path: ['cleanup', index], message: 'cleanup steps are commands (run, check, wait_for)' });
    });
  });
export type Playbook = z.infer<typeof PlaybookSchema>;
export type PlaybookStep = Playbook['steps'][number];

const TRUE_VALUES = new Set(['true', 'yes', 'on', '1']);

/** Whether a step's `when` holds for these vars (a step without one always runs). */
export function stepEnabled(step: PlaybookStep, vars: Readonly<Record<string, string>>): boolean {
  if (step.when === undefined) return true;
  const negated = step.when.startsWith('!');
  const value = vars[step.when.replace(/^!?vars\./, '')] ?? '';
  return TRUE_VALUES.has(value.trim().toLowerCase()) !== negated;
}

export type StepAction =
  | { kind: 'run'; command: string }
  | { kind: 'check'; command: string }
  | { kind: 'upload'; src: string; dest: string; mode: string | undefined }
  | { kind: 'reboot'; command: string; downTimeoutMs: number; upTimeoutMs: number }
  | { kind: 'wait_for'; command: string; timeoutMs: number; intervalMs: number };

/** The one thing a (validated) step does, as a tagged value. */
export function stepAction(step: PlaybookStep): StepAction {
  if (step.run !== undefined) return { kind: 'run', command: step.run };
  if (step.check !== undefined) return { kind: 'check', command: step.check };
  if (step.upload) return { kind: 'upload', src: step.upload.src, dest: step.upload.dest, mode: step.upload.mode };
  if (step.reboot) return { kind: 'reboot', command: step.reboot.command, downTimeoutMs: step.reboot.down_timeout * 1000, upTimeoutMs: step.reboot.up_timeout * 1000 };
  if (step.wait_for) return { kind: 'wait_for', command: step.wait_for.run, timeoutMs: step.wait_for.timeout * 1000, intervalMs: step.wait_for.interval * 1000 };
  throw new Error('unreachable: the schema requires one action');
}

export function stepLabel(step: PlaybookStep, index: number): string {
  if (step.name) return step.name;
  const action = stepAction(step);
  const summary = 'command' in action ? action.command : `${action.src} -> ${action.dest}`;
  return `${index + 1}. ${action.kind}: ${summary.length > 60 ? `${summary.slice(0, 57)}...` : summary}`;
}
