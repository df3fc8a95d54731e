import { parse } from 'csv-parse/sync';
import type { ParsedSource, SourceRecord } from './source.js';

const FIELD_COLUMNS = ['hostname', 'address', 'port', 'user', 'cluster', 'zone', 'rack', 'kernel'] as const;
const LABEL_COLUMN = /^labels?\.(.+)$/;

type ColumnRole = { kind: 'field'; field: string } | { kind: 'labels' } | { kind: 'label'; key: string };

function columnRole(header: string): ColumnRole | null {
  const name = header.trim();
  const lower = name.toLowerCase();
  if ((FIELD_COLUMNS as readonly string[]).includes(lower)) return { kind: 'field', field: lower };
  if (lower === 'labels') return { kind: 'labels' };
  const label = LABEL_COLUMN.exec(name);
  return label ? { kind: 'label', key: label[1]! } : null;
}

/** Parses a `labels` cell: `team=net;tier=edge`. */
function parseLabelCell(cell: string): { pairs: [string, string][]; bad: string[] } {
  const pairs: [string, string][] = [];
  const bad: string[] = [];
  for (const pair of cell
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const equals = pair.indexOf('=');
    if (equals <= 0) bad.push(pair);
    else pairs.push([pair.slice(0, equals).trim(), pair.slice(equals + 1).trim()]);
  }
  return { pairs, bad };
}

const CSV_OPTIONS = { skip_empty_lines: true, trim: true, comment: '#', comment_no_infix: true, bom: true } as const;

/**
 * CSV with a header row. Columns: hostname (required), address, port, user, cluster, zone, rack,
 * kernel, labels ("k=v;k=v"), and label.KEY columns. Unknown columns are an error, not a label:
 * a typo such as "adress" must not be silently stored.
 */
export function readCsv(text: string): ParsedSource {
  let rows: string[][];
  try {
    rows = parse(text, CSV_OPTIONS) as string[][];
  } catch (error) {
    const csvError = error as Error & { lines?: number };
    return { records: [], problems: [{ line: csvError.lines ?? 1, field: null, problem: `invalid CSV: ${csvError.message}` }], warnings: [] };
  }
  // Line numbers are only needed to report a problem: the file is parsed again, with csv-parse's
  // per-record info (a third of the parse's cost), only then, and only once.
  let lines: number[] | null = null;
  const lineOf = (row: number): number => (lines ??= (parse(text, { ...CSV_OPTIONS, info: true }) as unknown as { info: { lines: number } }[]).map((parsed) => parsed.info.lines))[row] ?? 1;
  const header = rows[0];
  if (!header) return { records: [], problems: [{ line: 1, field: null, problem: 'the file is empty: expected a header row' }], warnings: [] };
  const roles = header.map(columnRole);
  const problems: ParsedSource['problems'] = [];
  roles.forEach((role, index) => {
    if (!role) {
      problems.push({
        line: lineOf(0),
        field: header[index] ?? '',
        problem: `unknown column; expected ${FIELD_COLUMNS.join(', ')}, labels, or label.KEY`,
      });
    }
  });
  if (!roles.some((role) => role?.kind === 'field' && role.field === 'hostname')) {
    problems.push({ line: lineOf(0), field: 'hostname', problem: 'the header has no hostname column' });
  }
  if (problems.length > 0) return { records: [], problems, warnings: [] };

  const records: SourceRecord[] = [];
  for (let row = 1; row < rows.length; row += 1) {
    const record = rows[row]!;
    const raw: Record<string, unknown> = {};
    const labels: Record<string, string> = {};
    // A key given twice (in the labels cell, or there and in a label.KEY column) is an error, not "the last one wins".
    const setLabel = (key: string, value: string) => {
      if (key in labels) problems.push({ line: lineOf(row), field: `labels.${key}`, problem: `the label ${key} is given twice (${JSON.stringify(labels[key])} and ${JSON.stringify(value)})` });
      else labels[key] = value;
    };
    record.forEach((cell, index) => {
      const role = roles[index]!;
      if (cell === '') return;
      if (role.kind === 'field') raw[role.field] = cell;
      else if (role.kind === 'label') setLabel(role.key, cell);
      else {
        const parsed = parseLabelCell(cell);
        for (const [key, value] of parsed.pairs) setLabel(key, value);
        for (const pair of parsed.bad) problems.push({ line: lineOf(row), field: 'labels', problem: `"${pair}" is not key=value` });
      }
    });
    if (Object.keys(labels).length > 0) raw.labels = labels;
    records.push({ raw, lineOf: () => lineOf(row) });
  }
  return { records, problems, warnings: [] };
}
