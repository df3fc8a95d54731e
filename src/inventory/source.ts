import type { DocumentProblem, FieldPath } from '../documents/problem.js';

export const INVENTORY_FORMATS = ['csv', 'json', 'yaml', 'ansible-ini', 'ansible-yaml', 'kubectl'] as const;
export type InventoryFormat = (typeof INVENTORY_FORMATS)[number];

/** One host-shaped record lifted from a file, before validation; knows where it came from. */
export interface SourceRecord {
  raw: Record<string, unknown>;
  /** The 1-based line of a field of this record (or of the record itself for an empty path). */
  lineOf(path: FieldPath): number;
}

export interface ParsedSource {
  records: SourceRecord[];
  problems: DocumentProblem[];
  warnings: string[];
}
