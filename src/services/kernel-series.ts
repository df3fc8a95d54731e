import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FleetwaveError } from '../errors.js';
import { formatProblem } from '../documents/problem.js';
import { parseConfig, type ConfigValues } from '../kernel/config-fragment.js';
import { parseDep3 } from '../kernel/dep3.js';
import { SeriesSchema, type Series } from '../kernel/series.js';
import { KERNEL_PATCHES_DIR } from '../paths.js';
import { loadDocument } from '../documents/load-document.js';

export interface LoadedSeries {
  dir: string;
  series: Series;
  fragment: ConfigValues;
  fragmentText: string;
  /** Patch texts by their series path. */
  patches: Map<string, string>;
  /** Over series.yaml, every patch and the fragment, in a stable order: what was built from. */
  sha256: string;
}

/** A series by name (a folder in kernel-patches/) or by path to its folder or series.yaml. */
export function loadSeries(reference: string): LoadedSeries {
  const candidates = [reference, path.join(KERNEL_PATCHES_DIR, reference)];
  const found = candidates
    .map((candidate) => (existsSync(candidate) && statSync(candidate).isDirectory() ? path.join(candidate, 'series.yaml') : candidate))
    .find((file) => existsSync(file) && file.endsWith('.yaml'));
  if (!found) throw new FleetwaveError('SERIES_INVALID', `no series ${reference}: looked for ${candidates.join(' and ')}`, { suggestions: [`The shipped series live in ${KERNEL_PATCHES_DIR}`] });
  const dir = path.dirname(path.resolve(found));
  const text = readFileSync(found, 'utf8');
  const loaded = loadDocument(found, text, SeriesSchema);
  if (!loaded.value) {
    throw new FleetwaveError('SERIES_INVALID', `${found} is not a valid series:\n${loaded.problems.map((problem) => formatProblem(found, problem)).join('\n')}`);
  }
  const series = loaded.value;
  const problems: string[] = [];
  const patches = new Map<string, string>();
  for (const entry of series.series) {
    if (!('patch' in entry)) continue;
    const file = path.join(dir, entry.patch);
    if (!existsSync(file)) {
      problems.push(`${entry.patch}: no such file`);
      continue;
    }
    const patch = readFileSync(file, 'utf8');
    patches.set(entry.patch, patch);
    for (const problem of parseDep3(patch).problems) problems.push(`${entry.patch}: ${problem}`);
  }
  const fragmentFile = path.join(dir, series.config);
  const fragmentText = existsSync(fragmentFile) ? readFileSync(fragmentFile, 'utf8') : null;
  if (fragmentText === null) problems.push(`${series.config}: no such file`);
  else if (parseConfig(fragmentText).size === 0) problems.push(`${series.config}: sets no CONFIG_ symbol`);
  if (problems.length > 0) throw new FleetwaveError('SERIES_INVALID', `${found}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  const hash = createHash('sha256').update(text);
  for (const [name, patch] of [...patches].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(`\0${name}\0${patch}`);
  hash.update(`\0${series.config}\0${fragmentText}`);
  return { dir, series, fragment: parseConfig(fragmentText!), fragmentText: fragmentText!, patches, sha256: hash.digest('hex') };
}
