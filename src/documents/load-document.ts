import type { z } from 'zod';
import type { DocumentProblem } from './problem.js';
import { parseStructured } from './structured-document.js';

export type DocumentLoadResult<T> = { value: T; problems: [] } | { value: null; problems: DocumentProblem[] };

/** A YAML (or JSON) document checked against a zod schema, every problem with the line it is on. */
export function loadDocument<S extends z.ZodType>(fileName: string, text: string, schema: S): DocumentLoadResult<z.output<S>> {
  const parsed = parseStructured(text, fileName.endsWith('.json') ? 'json' : 'yaml');
  if (!parsed.document) return { value: null, problems: parsed.problems };
  const result = schema.safeParse(parsed.document.value);
  if (result.success) return { value: result.data, problems: [] };
  const problems = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = keys.length > 0 ? [...issue.path, keys[0]!] : issue.path;
    return {
      line: parsed.document.lineOf(path as (string | number)[]),
      field: keys.length > 0 ? keys.join(', ') : issue.path.length > 0 ? issue.path.map(String).join('.') : null,
      problem: issue.message,
    };
  });
  return { value: null, problems: problems.sort((a, b) => a.line - b.line) };
}
