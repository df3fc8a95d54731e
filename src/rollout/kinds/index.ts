import { BugError } from '../../errors.js';
import { cniKind } from './cni/index.js';
import { kernelKind } from './kernel/index.js';
import type { RolloutKind } from './kind.js';

/** Every rollout kind, by the name a spec's `kind` uses. */
export const ROLLOUT_KINDS: ReadonlyMap<string, RolloutKind> = new Map([
  [kernelKind.name, kernelKind],
  [cniKind.name, cniKind],
]);
export const ROLLOUT_KIND_LIST: readonly RolloutKind[] = [...ROLLOUT_KINDS.values()];

export function rolloutKind(name: string): RolloutKind {
  const kind = ROLLOUT_KINDS.get(name);
  if (!kind) throw new BugError(`unknown rollout kind ${name}: the spec schema admits only registered kinds`);
  return kind;
}
