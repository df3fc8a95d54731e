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
  for (const pair of cell.split(';').map((part) => part.trim()).filter(Boolean)) {
    const equals = pair.indexOf('=');
    if (equals <= 0) bad.push(pair);
    else pairs.push([pair.slice(0, equals).trim(), pair.slice(equals + 1).trim()]);
  }
  return { pairs, bad };
}

/**
 * CSV with a header row. Columns: hostname (required), address, port, user, cluster, zone, rack,
 * kernel, labels ("k=v;k=v"), and label.KEY columns. Unknown columns are an error, not a label:
 * a typo such as "adress" must not be silently stored.
 */
export function readCsv(text: string): ParsedSource {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { info: true, skip_empty_lines: true, trim: true, comment: "#", comment_no_infix: true, bom: true }) as unknown as typeof rows;
  } catch (error) {
    const csvError = error as Error & { lines?: number };
    return { records: [], problems: [{ line: csvError.lines ?? 1, field: null, problem: `invalid CSV: ${csvError.message}` }], warnings: [] };
  }
  const header = rows[0];
  if (!header) return { records: [], problems: [{ line: 1, field: null, problem: 'the file is empty: expected a header row' }], warnings: [] };
  const headerLine = header.info.lines;
  const roles = header.record.map(columnRole);
  const problems: ParsedSource['problems'] = [];
  roles.forEach((role, index) => {
    if (!role) {
      problems.push({
        line: headerLine,
        field: header.record[index] ?? '',
        problem: `unknown column; expected ${FIELD_COLUMNS.join(', ')}, labels, or label.KEY`,
      });
    }
  });
  if (!roles.some((role) => role?.kind === 'field' && role.field === 'hostname')) {
    problems.push({ line: headerLine, field: 'hostname', problem: 'the header has no hostname column' });
  }
  if (problems.length > 0) return { records: [], problems, warnings: [] };

  const records: SourceRecord[] = [];
  for (const { record, info } of rows.slice(1)) {
    const raw: Record<string, unknown> = {};
    const labels: Record<string, string> = {};
    // A key given twice (in the labels cell, or there and in a label.KEY column) is an error, not "the last one wins".
    const setLabel = (key: string, value: string) => {
      if (key in labels) problems.push({ line: info.lines, field: `labels.${key}`, problem: `the label ${key} is given twice (${JSON.stringify(labels[key])} and ${JSON.stringify(value)})` });
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
        for (const pair of parsed.bad) problems.push({ line: info.lines, field: 'labels', problem: `"${pair}" is not key=value` });
      }
    });
    if (Object.keys(labels).length > 0) raw.labels = labels;
    records.push({ raw, lineOf: () => info.lines });
  }
  return { records, problems, warnings: [] };
}
