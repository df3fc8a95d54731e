import type { InventoryProblem } from '../inventory/source.js';
import { parseStructured } from '../inventory/structured-document.js';
import { RolloutSpecSchema, type RolloutSpec } from './spec.js';

export type SpecLoadResult = { spec: RolloutSpec; problems: [] } | { spec: null; problems: InventoryProblem[] };

/** A rollout spec from YAML (or JSON) text, every problem with the line it is on. */
export function loadRolloutSpec(fileName: string, text: string): SpecLoadResult {
  const parsed = parseStructured(text, fileName.endsWith('.json') ? 'json' : 'yaml');
  if (!parsed.document) return { spec: null, problems: parsed.problems };
  const result = RolloutSpecSchema.safeParse(parsed.document.value);
  if (result.success) return { spec: result.data, problems: [] };
  const problems = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = keys.length > 0 ? [...issue.path, keys[0]!] : issue.path;
    return {
      line: parsed.document.lineOf(path as (string | number)[]),
      field: keys.length > 0 ? keys.join(', ') : issue.path.length > 0 ? issue.path.map(String).join('.') : null,
      problem: issue.message,
    };
  });
  return { spec: null, problems: problems.sort((a, b) => a.line - b.line) };
}
