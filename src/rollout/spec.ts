import { z } from 'zod';
import { DurationSchema } from './duration.js';
import { GateSchema } from './gates.js';
import { HttpAuthFields, HttpUrlSchema } from './http-auth.js';
import { ROLLOUT_KIND_LIST } from './kinds/index.js';
import type { RolloutKind } from './kinds/kind.js';
import { VarsSchema } from './playbook.js';

/** "10%" or 5: a share of the selected hosts, or a count. */
export const AmountSchema = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^(100|[1-9]?\d)(\.\d+)?%$/, 'a percentage such as "10%"')
    .transform((text) => ({ percent: Number(text.slice(0, -1)) })),
]);
export type Amount = z.infer<typeof AmountSchema>;

/** A budget may be zero ("no failure tolerated"), unlike a wave size. */
export const BudgetSchema = z.union([z.number().int().min(0), AmountSchema]);

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const MaintenanceWindowSchema = z.strictObject({
  days: z.array(z.enum(DAYS)).min(1),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
  end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
  timezone: z.string().refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as "Europe/Berlin"'),
});

export const SpreadLimitsSchema = z.strictObject({
  cluster: AmountSchema.optional(),
  zone: AmountSchema.optional(),
  rack: AmountSchema.optional(),
});

/** What every rollout has, whatever its kind. */
const RolloutSpecFields = {
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-"'),
  selector: z.string().default(''),
  /** Wave sizes after the canary wave; the last entry repeats until every host is planned. */
  waves: z
    .array(AmountSchema)
    .min(1)
    .default([{ percent: 10 }, { percent: 25 }, { percent: 100 }]),
  canary: z.union([z.number().int().min(0), z.array(z.string().min(1)).min(1)]).default(1),
  /** At most this many hosts of one failure domain in flight at once. */
  spread: SpreadLimitsSchema.default({}),
  /** At most this many hosts in flight at once, within the spread limits. */
  parallel: z.number().int().positive().default(20),
  soak: DurationSchema.default(600),
  failureBudget: z
    .strictObject({ perWave: BudgetSchema.default(0), overall: BudgetSchema.default(0), onSpent: z.enum(['pause', 'rollback-wave', 'rollback-all']).default('pause') })
    .default({ perWave: 0, overall: 0, onSpent: 'pause' }),
  maintenanceWindows: z.array(MaintenanceWindowSchema).default([]),
  /** Values for the playbook's {{ vars.NAME }}; they override the playbook's own defaults. */
  vars: VarsSchema.default({}),
  /** Wave health gates, read through each wave's soak; all must stay healthy. */
  gates: z.array(GateSchema).default([]),
  /** How often host checks and gates are read during a soak. */
  checkInterval: DurationSchema.default(30),
  /** Receives a JSON message on every change of the rollout's state. */
  webhook: z.strictObject({ url: HttpUrlSchema, timeout: DurationSchema.default(5), ...HttpAuthFields }).optional(),
};

/**
 * One rollout: what to change, on which hosts, in which waves, and when to stop. One branch per
 * registered kind: `kind` picks it, and the kind types `target` (a kernel release; netkit or veth)
 * and names the playbook used when the spec names none.
 */
function specBranch(kind: RolloutKind) {
  return z.strictObject({
    ...RolloutSpecFields,
    kind: z.literal(kind.name),
    target: kind.target,
    playbook: z.string().min(1).default(kind.defaultPlaybook),
  });
}
type SpecBranch = ReturnType<typeof specBranch>;
export const RolloutSpecSchema = z.discriminatedUnion('kind', ROLLOUT_KIND_LIST.map(specBranch) as [SpecBranch, ...SpecBranch[]]);
export type RolloutSpec = z.infer<typeof RolloutSpecSchema>;
export type RolloutSpecInput = z.input<typeof RolloutSpecSchema>;

/** Resolves a count or percentage against a number of hosts; a percentage never rounds to zero. */
export function resolveAmount(amount: Amount | number, of: number): number {
  if (typeof amount === 'number') return Math.min(amount, of);
  return Math.min(of, Math.max(1, Math.ceil((amount.percent * of) / 100)));
}
