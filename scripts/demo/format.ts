/** Console output of the demo: headings, aligned columns, and one known-harmless warning kept out of it. */

const bold = process.stdout.isTTY ? (s: string) => `\x1b[1m${s}\x1b[0m` : (s: string) => s;

/** Prints a section heading with a blank line before it. */
export function heading(title: string): void {
  console.log(`\n${bold(title)}`);
}

/** Shortens `text` to `max` characters, ending with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Prints rows as aligned columns (two spaces apart, indented). The last column is not padded,
 * so long values such as file paths do not push trailing spaces into the terminal.
 */
export function printTable(headers: string[] | null, rows: string[][], indent = '  '): void {
  const all = headers ? [headers, ...rows] : rows;
  const widths = all.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  const line = (row: string[]) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ');
  if (headers) console.log(bold(line(headers)));
  for (const row of rows) console.log(line(row));
}

/**
 * kafkajs 2.2.4 on Node 24 sets one negative timer per process (tulios/kafkajs#1751): harmless,
 * but Node prints a TimeoutNegativeWarning in the middle of the demo. Other warnings still print.
 */
export function hideKafkajsTimerWarning(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') for (const print of printers) print(warning);
  });
}
