export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | null | undefined;
  align?: 'left' | 'right';
}

const EMPTY_CELL = '-';

/** Plain aligned columns: greppable, no box drawing, no colour (stdout may be a pipe). */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const value = column.value(row);
      return value === null || value === undefined || value === '' ? EMPTY_CELL : String(value);
    }),
  );
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => line[index]!.length)));
  const formatLine = (line: readonly string[]) =>
    line
      .map((cell, index) => (columns[index]!.align === 'right' ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [formatLine(columns.map((column) => column.header)), ...cells.map(formatLine)].join('\n');
}
