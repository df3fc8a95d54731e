import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labNetworkNames } from '../../adapters/lab/lab-network.js';
import { FleetwaveError } from '../../errors.js';
import { planLab } from '../../lab/layout.js';
import { LabStateSchema, type LabState } from '../../lab/lab-state.js';

/** What a lab made, as lab.json records it (derived from the layout for labs made before it was recorded). */
export type LabCreated = NonNullable<LabState['created']>;

/** The top-level entries of a lab directory that `lab up` writes, all of them its own. */
export const LAB_ENTRIES = ['lab.json', 'id_ed25519', 'id_ed25519.pub', 'known_hosts', 'ssh_config', 'kernel-rollout.yaml', 'packages', 'hosts'];

/**
 * Every path the lab writes into sshd_config and ssh_config must be absolute: sshd re-executes
 * itself for each connection after chdir("/"), where a relative config path no longer resolves.
 */
export function absoluteLabDir<T extends { labDir: string }>(request: T): T {
  return { ...request, labDir: path.resolve(request.labDir) };
}

export function statePath(labDir: string): string {
  return path.join(labDir, 'lab.json');
}

export function readLabState(labDir: string): LabState | null {
  if (!existsSync(statePath(labDir))) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(statePath(labDir), 'utf8'));
  } catch (error) {
    throw corrupt(labDir, (error as Error).message);
  }
  const state = LabStateSchema.safeParse(parsed);
  if (!state.success) throw corrupt(labDir, state.error.issues.map((issue) => `${issue.path.join('.') || 'lab.json'}: ${issue.message}`).join('; '));
  return state.data;
}

function corrupt(labDir: string, why: string): FleetwaveError {
  return new FleetwaveError('LAB_STATE_INVALID', `${statePath(labDir)} is not a lab state fleetwave can read (${why}); nothing was changed`, {
    suggestions: ['Restore the file, or remove the lab by its machine record: fleetwave lab down --all'],
  });
}

/** Written atomically (rename), so a crash leaves the previous state and never half a file. */
export function writeLabState(labDir: string, state: LabState): void {
  const next = `${statePath(labDir)}.new`;
  writeFileSync(next, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(next, statePath(labDir));
}

export function createdBy(state: LabState): LabCreated {
  return state.created ?? { dirs: [], entries: LAB_ENTRIES, ...labNetworkNames(planLab(state.name, state.slot, state.hostCount)), pidFiles: [] };
}

/**
 * A lab needs a directory of its own: a new one (made here, outermost first, and recorded), or an
 * empty one. A directory with anything else in it is refused rather than mixed into.
 */
export function claimLabDir(labDir: string): string[] {
  if (existsSync(labDir)) {
    const present = readdirSync(labDir);
    if (present.length > 0) {
      throw new FleetwaveError(
        'LAB_DIR_IN_USE',
        `--lab-dir ${labDir} already holds ${present.length} entries that are not a lab (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}); a lab gets a directory of its own`,
        {
          suggestions: ['Point --lab-dir at a new or empty directory.'],
        },
      );
    }
    return [];
  }
  const made: string[] = [];
  for (let dir = labDir; !existsSync(dir); dir = path.dirname(dir)) made.unshift(dir);
  mkdirSync(labDir, { recursive: true, mode: 0o700 });
  return made;
}

/**
 * Removes what the lab recorded making in its directory, then the directories it made if they
 * are empty. Anything else found there stays and is reported.
 */
export function removeLabFiles(labDir: string, created: LabCreated): { removed: number; keptForeign: string[] } {
  let removed = 0;
  for (const entry of created.entries) {
    const target = path.join(labDir, entry);
    if (!existsSync(target)) continue;
    rmSync(target, { recursive: true, force: true });
    removed += 1;
  }
  rmSync(`${statePath(labDir)}.new`, { force: true });
  const keptForeign = existsSync(labDir) ? readdirSync(labDir) : [];
  for (const dir of [...created.dirs].reverse()) {
    if (!existsSync(dir)) continue;
    try {
      rmdirSync(dir);
    } catch {
      break; // not empty (something not ours is there) or already gone: outer ones stay too
    }
  }
  return { removed, keptForeign };
}
