import type { Figure, ScenarioResult } from './results';

function formatNumber(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : String(value);
}

function valueText(f: Figure): string {
  if (f.value === null) return 'n/a';
  const text = `${formatNumber(f.value)} ${f.unit}`.trim();
  return f.aggregate === 'max' ? `${text} (max)` : text;
}

function targetText(f: Figure): string {
  return f.target ? `${f.target.op === '>=' ? '≥' : '≤'} ${formatNumber(f.target.value)} ${f.unit}`.trim() : '';
}

function passText(f: Figure): string {
  return f.pass === null ? '' : f.pass ? 'pass' : 'FAIL';
}

/** The results as a plain-text table: scenario, figure, median (max for peaks), every repeat, target, pass/fail. */
export function formatTable(results: ScenarioResult[]): string {
  const header = ['scenario', 'figure', 'median', 'repeats', 'target', 'result'];
  const rows: string[][] = [];
  for (const r of results) {
    for (const f of r.figures) rows.push([r.scenario, f.name, valueText(f), f.repeats.map(formatNumber).join(' / '), targetText(f), passText(f)]);
    if (r.error) rows.push([r.scenario, 'BENCH FAILURE', r.error.split('\n')[0]!.slice(0, 120), '', '', 'ERROR']);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
