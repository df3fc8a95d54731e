import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../adapters/system/sha256-file.js';
import { FleetwaveError } from '../errors.js';
import { stepAction, type Playbook } from '../rollout/playbook.js';
import { renderPath, TemplateError, type TemplateScope } from '../rollout/template.js';

/** Artifacts a rollout ships, pinned at plan time: absolute path on the control host -> sha256. */
export type ArtifactPins = Record<string, string>;

/**
 * An upload source on the control host: relative paths resolve against the spec's directory, and
 * a part that came from the inventory can leave neither the directory its literal part names nor,
 * through a symbolic link, that directory's real location.
 */
export function resolveUploadSource(specDir: string, template: string, scope: TemplateScope): string {
  const { path: source, confinedTo } = renderPath(template, scope, (text) => path.resolve(specDir, text));
  if (confinedTo !== null && existsSync(source)) {
    const real = realpathSync(source);
    const realBase = existsSync(confinedTo) ? realpathSync(confinedTo) : confinedTo;
    if (real !== realBase && !real.startsWith(`${realBase}${path.sep}`)) {
      throw new TemplateError(`${template} becomes ${source}, a link to ${real} outside ${realBase}`);
    }
  }
  return source;
}

/** A remote upload destination, confined the same way (remote paths are POSIX). */
export function resolveUploadDestination(template: string, scope: TemplateScope): string {
  const resolved = renderPath(template, scope, (text) => (text.startsWith('/') ? path.posix.normalize(text) : path.posix.join('.', text)));
  return resolved.path;
}

/**
 * Hashes every file the playbook uploads to any planned host. Sources may depend on host fields
 * (one file per rack, say), so each host's source is resolved; each distinct file is hashed once.
 */
export function pinArtifacts(playbook: Playbook, specDir: string, scopes: Iterable<TemplateScope>): ArtifactPins {
  const uploads = [...playbook.steps, ...playbook.checks, ...playbook.rollback].flatMap((step, index) => {
    const action = stepAction(step);
    return action.kind === 'upload' ? [{ src: action.src, label: step.name ?? `upload ${index + 1}` }] : [];
  });
  if (uploads.length === 0) return {};
  const sources = new Map<string, string>();
  for (const scope of scopes) {
    for (const upload of uploads) {
      try {
        sources.set(resolveUploadSource(specDir, upload.src, scope), upload.label);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        throw new FleetwaveError('PLAYBOOK_INVALID', `step "${upload.label}" on ${scope.host.hostname}: ${error.message}`);
      }
    }
  }
  const pins: ArtifactPins = {};
  for (const [source, label] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    if (!existsSync(source)) {
      throw new FleetwaveError('PLAYBOOK_INVALID', `step "${label}" uploads ${source}, which does not exist on this machine`, {
        suggestions: ['Build or copy the artifact first: a rollout pins what it ships (sha256) when it is planned.'],
      });
    }
    pins[source] = sha256File(source);
  }
  return pins;
}

/** Pinned artifacts that are missing or changed since the plan. */
export function changedArtifacts(pins: ArtifactPins): string[] {
  const changed: string[] = [];
  for (const [source, sha256] of Object.entries(pins)) {
    if (!existsSync(source)) changed.push(`${source} is gone`);
    else if (sha256File(source) !== sha256) changed.push(`${source} changed (planned sha256 ${sha256.slice(0, 12)})`);
  }
  return changed;
}
