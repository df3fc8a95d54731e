import type { z } from 'zod';
import type { Host } from '../../fleet/host.js';
import type { ProbeFacts } from '../../probe/probe-facts.js';
import type { Facts } from '../rollback-scope.js';

/**
 * What one kind of rollout (kernel, cni) contributes: which hosts it leaves out, and which of a
 * host's observed facts a rollback must put back as they were. A new kind is a folder beside the
 * others and one line in the registry (index.ts); nothing else tests a kind's name.
 */
export interface RolloutKind {
  name: string;
  /** What a spec of this kind may name as its target. */
  target: z.ZodType<string>;
  /** The shipped playbook a spec of this kind uses when it names none. */
  defaultPlaybook: string;
  /** Why this host needs no rollout to `target`, or null when it does. */
  exclusion(target: string, host: Host): string | null;
  /** The facts, as `fleet probe` reads them, that a rolled-back host must have as before the rollout. */
  restorable(facts: ProbeFacts): Facts;
}
