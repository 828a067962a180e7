/** `1 attempt`, `3 attempts`: a count and its noun, in the plural unless it is one. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A column of a text table: its header and how to read a cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  /** Right-align (numbers). */
  right?: boolean;
}

/**
 * Rows as a plain text table (two spaces between columns, headers in capitals), the form
 * `kubectl get` made familiar: greppable, and readable at 3 a.m. in any terminal.
 */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => { const v = c.value(row); return v === null || v === undefined || v === '' ? '-' : String(v); }));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.right ? v.padStart(widths[i]!) : i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}
