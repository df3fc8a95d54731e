import { z } from 'zod';
import { DurationSchema } from './duration.js';

/**
 * A playbook: the steps that change one host, the checks that say it is healthy, and the steps
 * that undo the change. Commands are POSIX sh run over SSH; `{{ name }}` placeholders are filled
 * with shell-quoted values (see template.ts), so a value can never become shell syntax.
 */
const CommandSchema = z.string().min(1);

const ActionFields = {
  run: CommandSchema.optional(),
  check: CommandSchema.optional(),
  upload: z.strictObject({ src: z.string().min(1), dest: z.string().min(1), mode: z.string().regex(/^0?[0-7]{3}$/, 'an octal mode such as "0644"').optional() }).optional(),
  reboot: z.preprocess(
    (value) => (value === true || value === null ? {} : value),
    z.strictObject({
      command: CommandSchema.default('reboot'),
      /** The old boot id must disappear within this time, or the reboot did not happen. */
      down_timeout: DurationSchema.default(120),
      /** A new boot id must answer within this time, or the host did not come back. */
      up_timeout: DurationSchema.default(600),
    }),
  ).optional(),
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
    register: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and "_"').optional(),
    timeout: DurationSchema.default(300),
    retries: z.number().int().min(0).max(10).default(0),
    retry_delay: DurationSchema.default(5),
  })
  .superRefine((step, context) => {
    const present = ACTIONS.filter((action) => step[action] !== undefined);
    if (present.length !== 1) {
      context.addIssue({ code: 'custom', message: present.length === 0 ? `a step needs one of: ${ACTIONS.join(', ')}` : `a step does one thing; this one has ${present.join(' and ')}` });
    }
    if (step.register && step.run === undefined) context.addIssue({ code: 'custom', path: ['register'], message: 'only a run step can register its output' });
    if (step.retries > 0 && step.reboot) context.addIssue({ code: 'custom', path: ['retries'], message: 'a reboot is never retried blindly; it is verified by boot id' });
  });

export const PlaybookSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Defaults for {{ vars.NAME }}; a rollout spec's vars override them. */
  vars: z.record(z.string(), z.string()).default({}),
  steps: z.array(StepSchema).min(1),
  /** Per-host health: after the steps, and again through the soak. */
  checks: z.array(StepSchema).default([]),
  rollback: z.array(StepSchema).default([]),
});
export type Playbook = z.infer<typeof PlaybookSchema>;
export type PlaybookStep = Playbook['steps'][number];

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
