import { readFileSync } from 'node:fs';
import { withStore } from '../adapters/store/store.js';
import { FleetwaveError } from '../errors.js';
import { compileSelector } from '../fleet/selector.js';
import { formatProblem } from '../inventory/parse-inventory.js';
import { loadRolloutSpec } from '../rollout/load-spec.js';
import { planRollout, type RolloutPlan } from '../rollout/planner.js';
import type { RolloutSpec } from '../rollout/spec.js';

export interface RolloutPlanResult {
  spec: RolloutSpec;
  selected: number;
  plan: RolloutPlan;
}

export function readRolloutSpec(file: string): RolloutSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FleetwaveError('SPEC_INVALID', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const loaded = loadRolloutSpec(file, text);
  if (!loaded.spec) {
    throw new FleetwaveError('SPEC_INVALID', `${file} is not a valid rollout spec:\n${loaded.problems.map((problem) => formatProblem(file, problem)).join('\n')}`, {
      suggestions: ['Print the schema for your editor with: fleetwave rollout schema > rollout.schema.json'],
      details: { problems: loaded.problems.map((problem) => ({ file, ...problem })) },
    });
  }
  return loaded.spec;
}

/**
 * The plan `rollout run` will follow, from the same pure planner. Nothing is saved yet: rollouts
 * are not stored until `rollout run` exists, so no host is locked by another rollout here.
 */
export function planRolloutFromFile(request: { dbPath: string; file: string }): RolloutPlanResult {
  const spec = readRolloutSpec(request.file);
  const matches = compileSelector(spec.selector);
  return withStore({ path: request.dbPath, create: false }, (store) => {
    const selected = store.hosts.all().filter(matches);
    return { spec, selected: selected.length, plan: planRollout(spec, selected, { lockedBy: new Map() }) };
  });
}
