import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { currentActor } from '../adapters/actor.js';
import type { Clock } from '../adapters/clock.js';
import type { StoredRollout } from '../adapters/store/rollout-repository.js';
import { withStore, type Store } from '../adapters/store/store.js';
import { FleetwaveError } from '../errors.js';
import { compileSelector } from '../fleet/selector.js';
import { formatProblem } from '../documents/problem.js';
import { loadRolloutSpec } from '../rollout/load-spec.js';
import { planRollout, type RolloutPlan } from '../rollout/planner.js';
import type { RolloutSpec } from '../rollout/spec.js';
import { redactUrlsDeep } from '../rollout/http-auth.js';
import { scopeFor } from '../rollout/template.js';
import { pinArtifacts } from './artifacts.js';
import { readPlaybookFile, resolvePlaybookPath } from './playbook-files.js';

export interface RolloutPlanResult {
  spec: RolloutSpec;
  playbookPath: string;
  specSha256: string;
  selected: number;
  plan: RolloutPlan;
  /** False for a dry run, or when the plan has problems. */
  saved: boolean;
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

/** Canonical: key order and YAML formatting do not change a spec's identity, its content does. */
export function specSha256(spec: RolloutSpec): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
          )
        : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical(spec)))
    .digest('hex');
}

/**
 * The plan `rollout run` will follow, from the same pure planner. Unless it is a dry run, the
 * rollout is saved as `planned` and its hosts locked, in the same IMMEDIATE transaction that read
 * the hosts and the existing locks: two plans made at once can never both take a host.
 */
export function planRolloutFromFile(request: { dbPath: string; file: string; dryRun: boolean; reason?: string; clock: Clock }): RolloutPlanResult {
  const spec = readRolloutSpec(request.file);
  const specPath = path.resolve(request.file);
  // The playbook is checked (and snapshotted) now: a typo should fail the plan, not wave 3.
  const playbookPath = resolvePlaybookPath(path.dirname(specPath), spec.playbook);
  const playbook = readPlaybookFile(playbookPath, spec.vars);
  const matches = compileSelector(spec.selector);
  const sha256 = specSha256(spec);
  const work = (store: Store): RolloutPlanResult => {
    const existing = store.rollouts.find(spec.name);
    if (existing && !request.dryRun) {
      throw new FleetwaveError(
        'ROLLOUT_EXISTS',
        existing.specSha256 === sha256
          ? `rollout ${spec.name} is already planned (${existing.status}, ${existing.hosts} hosts)`
          : `rollout ${spec.name} exists with a different spec; a rollout's spec never changes once saved`,
        { suggestions: ['See it with: fleetwave rollout list', 'Give a changed spec a new name.'] },
      );
    }
    const selected = store.hosts.all().filter(matches);
    const plan = planRollout(spec, selected, { lockedBy: store.rollouts.locks() });
    // Shown to people and scripts: URLs redacted (the stored spec keeps them, to call them).
    const result = { spec: redactUrlsDeep(spec), playbookPath, specSha256: sha256, selected: selected.length, plan, saved: false };
    if (request.dryRun || plan.problems.length > 0) return result;
    if (plan.hostCount === 0) {
      throw new FleetwaveError('NO_HOSTS_SELECTED', `nothing to roll out: ${selected.length} hosts selected, every one excluded`, {
        suggestions: ['See why with: fleetwave rollout plan SPEC --dry-run'],
      });
    }
    const now = request.clock.now().toISOString();
    const planned = new Set(plan.waves.flatMap((wave) => wave.batches.flat()));
    const run = { target: spec.target, rollout: spec.name, playbookVars: playbook.playbook.vars, specVars: spec.vars };
    const artifacts = pinArtifacts(
      playbook.playbook,
      path.dirname(specPath),
      selected.filter((host) => planned.has(host.hostname)).map((host) => scopeFor(run, host, {})),
    );
    store.rollouts.create(spec, sha256, { specPath, playbookPath, text: playbook.text, sha256: playbook.sha256, artifacts }, plan, now);
    store.events.append(
      [
        {
          subject: `rollout:${spec.name}`,
          action: 'rollout.planned',
          details: {
            kind: spec.kind,
            target: spec.target,
            selector: spec.selector,
            specSha256: sha256,
            playbook: playbookPath,
            playbookSha256: playbook.sha256,
            artifacts,
            hosts: plan.hostCount,
            waves: plan.waves.length,
            excluded: plan.excluded.length,
          },
        },
      ],
      currentActor(request.reason),
      now,
    );
    return { ...result, saved: true };
  };
  return withStore({ path: request.dbPath, create: false }, (store) => (request.dryRun ? work(store) : store.write(() => work(store))));
}

export function listRollouts(request: { dbPath: string }): { rollouts: StoredRollout[] } {
  return withStore({ path: request.dbPath, create: false }, (store) => ({ rollouts: store.rollouts.list() }));
}
