import { isPlainObject, type StructuredDocument } from '../documents/structured-document.js';
import type { ParsedSource, SourceRecord } from './source.js';

/** fleetwave's own format, in JSON or YAML: `{hosts: [...]}` or a bare list of hosts. */
export function readFleetwaveDocument(document: StructuredDocument): ParsedSource {
  const { value } = document;
  const listPath = isPlainObject(value) ? ['hosts'] : [];
  const list = isPlainObject(value) ? value.hosts : value;
  if (!Array.isArray(list)) {
    return {
      records: [],
      problems: [{ line: 1, field: null, problem: 'expected a list of hosts, or a mapping with a "hosts" list' }],
      warnings: [],
    };
  }
  const unknownTopLevel = isPlainObject(value) ? Object.keys(value).filter((key) => key !== 'hosts') : [];
  const problems: ParsedSource['problems'] = unknownTopLevel.map((key) => ({ line: document.lineOf([key]), field: key, problem: 'unknown top-level key (only "hosts" is allowed)' }));
  const records: SourceRecord[] = [];
  list.forEach((item, index) => {
    const itemPath = [...listPath, index];
    if (!isPlainObject(item)) {
      problems.push({ line: document.lineOf(itemPath), field: null, problem: 'each host must be a mapping with at least "hostname"' });
      return;
    }
    records.push({ raw: item, lineOf: (path) => document.lineOf([...itemPath, ...path]) });
  });
  return { records, problems, warnings: [] };
}
