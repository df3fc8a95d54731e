import type { DocumentProblem } from '../documents/problem.js';
import { loadDocument } from '../documents/load-document.js';
import { RolloutSpecSchema, type RolloutSpec } from './spec.js';

export type SpecLoadResult = { spec: RolloutSpec; problems: [] } | { spec: null; problems: DocumentProblem[] };

export function loadRolloutSpec(fileName: string, text: string): SpecLoadResult {
  const loaded = loadDocument(fileName, text, RolloutSpecSchema);
  return loaded.value ? { spec: loaded.value, problems: [] } : { spec: null, problems: loaded.problems };
}
