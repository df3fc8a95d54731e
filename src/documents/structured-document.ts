import { CORE_SCHEMA, load as loadYaml, type YAMLException } from 'js-yaml';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { DocumentProblem, FieldPath } from './problem.js';

/** A parsed JSON or YAML file that can say on which line any value sits. */
export interface StructuredDocument {
  value: unknown;
  lineOf(path: FieldPath): number;
}

export type StructuredResult = { document: StructuredDocument; problems: [] } | { document: null; problems: DocumentProblem[] };

function yamlDocument(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  return { doc, lines };
}

/** Finds the nearest existing node on the path, so a missing field points at its record. */
function lineFinder(doc: Document.Parsed, lines: LineCounter): (path: FieldPath) => number {
  return (path) => {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node && (isMap(node) || isSeq(node) || node.range)) {
        return node.range ? lines.linePos(node.range[0]).line : 1;
      }
    }
    return 1;
  };
}

type FastParse = { value: unknown } | { problem: DocumentProblem };

function fastParseJson(text: string): FastParse {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { problem: { line: jsonErrorLine(text, error as Error), field: null, problem: `invalid JSON: ${(error as Error).message}` } };
  }
}

/** js-yaml with the YAML 1.2 core schema, as the `yaml` library reads it: dates stay text. */
function fastParseYaml(text: string): FastParse {
  try {
    return { value: loadYaml(text, { schema: CORE_SCHEMA }) };
  } catch (error) {
    const yamlError = error as YAMLException;
    return { problem: { line: (yamlError.mark?.line ?? 0) + 1, field: null, problem: `invalid YAML: ${yamlError.reason ?? yamlError.message}` } };
  }
}

/**
 * Both syntaxes take a fast path (JSON.parse, js-yaml) for the values, and a positioned tree
 * from the `yaml` library is built only when a line is asked for, which happens only when
 * something is wrong: a 100k-host import stays fast, and errors still name their lines.
 */
export function parseStructured(text: string, syntax: 'json' | 'yaml'): StructuredResult {
  const parsed = syntax === 'json' ? fastParseJson(text) : fastParseYaml(text);
  if ('problem' in parsed) return { document: null, problems: [parsed.problem] };
  let finder: ((path: FieldPath) => number) | null = null;
  return {
    document: {
      value: parsed.value,
      lineOf: (path) => {
        if (!finder) {
          const { doc, lines } = yamlDocument(text);
          finder = lineFinder(doc, lines);
        }
        return finder(path);
      },
    },
    problems: [],
  };
}

function jsonErrorLine(text: string, error: Error): number {
  const position = /position (\d+)/.exec(error.message);
  if (position) return text.slice(0, Number(position[1])).split('\n').length;
  const lineColumn = /line (\d+)/.exec(error.message);
  return lineColumn ? Number(lineColumn[1]) : 1;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
