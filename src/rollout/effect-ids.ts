/**
 * Deterministic ids of a host's playbook effects: `ROLLOUT:HOST:step:N` for the forward steps,
 * `ROLLOUT:HOST:rollback:N` for the first rollback and `ROLLOUT:HOST:rollback-A:N` for the A-th
 * (an operator's retry of a failed rollback runs every rollback step again). They key the ledger,
 * so a runner that takes over from a dead one knows what may already have run.
 */
export type EffectSection = 'step' | 'rollback';

export function stepEffectId(rollout: string, hostname: string, section: EffectSection, index: number, attempt = 1): string {
  const part = section === 'rollback' && attempt > 1 ? `rollback-${attempt}` : section;
  return `${rollout}:${hostname}:${part}:${index}`;
}

/** The section and step index of an effect id (hostnames and rollout names hold no ':'). */
export function parseStepEffectId(effectId: string): { section: EffectSection; attempt: number; index: number } | null {
  const match = /:(step|rollback)(?:-(\d+))?:(\d+)$/.exec(effectId);
  if (!match) return null;
  return { section: match[1] as EffectSection, attempt: match[2] ? Number(match[2]) : 1, index: Number(match[3]) };
}
