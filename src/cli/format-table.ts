import { escapeControls } from '../shared/control-chars';

/** A column of a text table: its header and how to read a cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  /** Right-align (numbers). */
  right?: boolean;
}

/**
 * A line of output with every interpolated value escaped (see escapeControls): ids, reasons and
 * messages come from events, letters and Redis, and must not move the cursor, clear the screen,
 * start a line of their own or reorder the line with a bidi override.
 */
export function line(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, text, i) => out + escapeControls(String(values[i - 1])) + text);
}

/**
 * Rows as a plain text table (two spaces between columns, headers in capitals), the form
 * `kubectl get` made familiar: greppable, and readable at 3 a.m. in any terminal. Cells are escaped
 * (see {@link line}), so a row is always one line and its columns stay where they are.
 */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) =>
    columns.map((c) => {
      const v = c.value(row);
      return v === null || v === undefined || v === '' ? '-' : escapeControls(String(v));
    }),
  );
  // A loop, not Math.max(...cells): spreading 120,000 rows as arguments overflows the stack.
  const widths = columns.map((c, i) => cells.reduce((widest, r) => Math.max(widest, r[i]!.length), c.header.length));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.right ? v.padStart(widths[i]!) : i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}
