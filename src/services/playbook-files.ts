import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FleetwaveError } from '../errors.js';
import { formatProblem } from '../documents/problem.js';
import { BUNDLED_PLAYBOOKS_DIR } from '../paths.js';
import { loadDocument } from '../documents/load-document.js';
import { PlaybookSchema, type Playbook } from '../rollout/playbook.js';
import { checkPlaybookReferences } from '../rollout/playbook-references.js';

export const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * `playbook: kernel-upgrade` is looked up next to the spec, then among the playbooks fleetwave
 * ships; anything with a slash or a .yaml ending is a path relative to the spec.
 */
export function resolvePlaybookPath(specDir: string, reference: string): string {
  if (reference.includes('/') || /\.ya?ml$/.test(reference)) return path.resolve(specDir, reference);
  const candidates = [path.join(specDir, `${reference}.yaml`), path.join(specDir, `${reference}.yml`), path.join(BUNDLED_PLAYBOOKS_DIR, `${reference}.yaml`)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new FleetwaveError('PLAYBOOK_INVALID', `playbook ${reference} not found; looked for ${candidates.join(', ')}`, {
      suggestions: ['Give a path relative to the spec, e.g. playbook: ./my-playbook.yaml'],
    });
  }
  return found;
}

/** Parses and checks a playbook's text; problems name file:line, or the step for placeholders. */
export function parsePlaybook(file: string, text: string, specVars: Readonly<Record<string, string>>): Playbook {
  const loaded = loadDocument(file, text, PlaybookSchema);
  if (!loaded.value) {
    throw new FleetwaveError('PLAYBOOK_INVALID', `${file} is not a valid playbook:\n${loaded.problems.map((problem) => formatProblem(file, problem)).join('\n')}`, {
      details: { problems: loaded.problems.map((problem) => ({ file, ...problem })) },
    });
  }
  const references = checkPlaybookReferences(loaded.value, specVars);
  if (references.length > 0) throw new FleetwaveError('PLAYBOOK_INVALID', `${file}: placeholders that cannot be used as written:\n${references.map((line) => `  ${line}`).join('\n')}`);
  return loaded.value;
}

export function readPlaybookFile(file: string, specVars: Readonly<Record<string, string>>): { playbook: Playbook; text: string; sha256: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FleetwaveError('PLAYBOOK_INVALID', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return { playbook: parsePlaybook(file, text, specVars), text, sha256: sha256Of(text) };
}
