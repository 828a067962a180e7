import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createLogger } from '../../../src/shared/logger';
import { createMetrics } from '../../../src/metrics/metrics';
import { registerScrapeMetrics } from '../../../src/metrics/scrape-metrics';

const root = path.join(__dirname, '../../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
const rules = parse(read('ops/prometheus/herald-alerts.yml')) as { groups: { name: string; rules: Rule[] }[] };
const alerts = rules.groups.flatMap((g) => g.rules);

type Target = { expr: string; refId: string; datasource?: { uid: string } };
type Panel = {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Target[];
  gridPos: { h: number; w: number; x: number; y: number };
  panels?: Panel[];
};
const dashboard = JSON.parse(read('ops/grafana/herald-dashboard.json')) as {
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const dashboardExprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

const runbook = read('docs/runbook.md');

/** The metrics `/metrics` serves: createMetrics() plus the scrape-time gauges, as the service registers them. */
function servedMetrics(): Map<string, string> {
  const metrics = createMetrics();
  const none = async () => ({});
  registerScrapeMetrics(
    metrics.registry,
    { consumerLag: async () => [], retryDepth: none, digestBacklog: async () => ({ due: 0, waiting: 0, oldestDueAt: null }) },
    { clock: { now: () => 0 }, logger: createLogger('error', true) },
  );
  return new Map(metrics.registry.getMetricsAsArray().map((m) => [m.name, (m as unknown as { type: string }).type]));
}

/** Metric names a PromQL expression reads, with a histogram's _bucket/_sum/_count mapped to the histogram. */
function metricNames(expr: string, served: Map<string, string>): string[] {
  const names = expr.replace(/"[^"]*"/g, '""').match(/\b(?:herald|process|nodejs)_[a-z0-9_]+/g) ?? [];
  return names.map((n) => {
    const base = n.replace(/_(bucket|sum|count)$/, '');
    return base !== n && served.get(base) === 'histogram' ? base : n;
  });
}

/** Problems with an expression's syntax that promtool would catch: unbalanced brackets or quotes, ranges that are not durations, rate() without a range. */
function syntaxProblems(expr: string): string[] {
  const problems: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  let quoted = false;
  for (const ch of expr) {
    if (ch === '"') quoted = !quoted;
    if (quoted) continue;
    if ('([{'.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) problems.push(`unmatched ${ch}`);
  }
  if (quoted) problems.push('unclosed "');
  if (stack.length) problems.push(`unclosed ${stack.join('')}`);
  for (const [, range] of expr.matchAll(/\[([^\]]*)\]/g)) {
    if (!/^(\d+[smhdw])+$|^\$__rate_interval$/.test(range!)) problems.push(`range [${range}] is not a duration`);
  }
  for (const call of expr.matchAll(/\b(rate|increase|delta|deriv|min_over_time|max_over_time)\(/g)) {
    const after = expr.slice(call.index + call[0].length);
    if (!/^[^()]*\[[^\]]+\]\)/.test(after.replace(/\{[^}]*\}/g, ''))) problems.push(`${call[0]} without a range vector`);
  }
  for (const [, inner] of expr.matchAll(/histogram_quantile\(\s*[\d.]+\s*,(.*)/gs)) {
    if (!/_bucket\b/.test(inner!) || !/\ble\b/.test(inner!)) problems.push('histogram_quantile over something other than _bucket series by le');
  }
  return problems;
}

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
const anchors = new Set([...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));

describe('the checks below', () => {
  it('catch unbalanced brackets and quotes, ranges that are not durations, rate() of an instant vector and quantiles not over buckets', () => {
    expect(syntaxProblems('sum(rate(herald_x_total[5m])')).toEqual(['unclosed (']);
    expect(syntaxProblems('sum(rate(herald_x_total[5m])))')).toEqual(['unmatched )']);
    expect(syntaxProblems('herald_x{a="b}')).toEqual(['unclosed "', 'unclosed {']);
    expect(syntaxProblems('rate(herald_x_total[5 minutes])')).toEqual(['range [5 minutes] is not a duration']);
    expect(syntaxProblems('rate(herald_a_total[5m]) / rate(herald_b_total)')).toEqual(['rate( without a range vector']);
    expect(syntaxProblems('histogram_quantile(0.99, sum by (le) (rate(herald_x_seconds_count[5m])))')).toEqual([
      'histogram_quantile over something other than _bucket series by le',
    ]);
    expect(syntaxProblems('histogram_quantile(0.99, sum by (p, le) (rate(herald_x_seconds_bucket{a=~"b|c"}[$__rate_interval])))')).toEqual([]);
  });

  it("map a histogram's series to the histogram, and leave other names (and label values) alone", () => {
    const served = new Map([
      ['herald_h_seconds', 'histogram'],
      ['herald_c_count', 'gauge'],
    ]);
    expect(metricNames('rate(herald_h_seconds_bucket[5m]) + herald_h_seconds_sum + herald_c_count + herald_nope_total{x="herald_in_label"}', served)).toEqual([
      'herald_h_seconds',
      'herald_h_seconds',
      'herald_c_count',
      'herald_nope_total',
    ]);
    expect(anchorOf('HeraldDlqGrowing')).toBe('heralddlqgrowing');
    expect(anchorOf('First five minutes')).toBe('first-five-minutes');
  });
});

describe('alert rules (ops/prometheus/herald-alerts.yml)', () => {
  const served = servedMetrics();

  it('are alerting rules with unique names in named groups', () => {
    expect(rules.groups.length).toBeGreaterThan(0);
    for (const g of rules.groups) expect(g.name).toMatch(/^herald-/);
    const names = alerts.map((a) => a.alert);
    expect(names.every((n) => typeof n === 'string' && /^Herald[A-Za-z]+$/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'HeraldDlqGrowing',
        'HeraldDlqBurst',
        'HeraldBreakerOpen',
        'HeraldLagOverBudget',
        'HeraldConsumerLagGrowing',
        'HeraldRetryRatioHigh',
        'HeraldEndToEndOverBudget',
        'HeraldWorkerDown',
        'HeraldRetryStoreGrowing',
      ]),
    );
  });

  it.each(alerts.map((a) => [a.alert!, a] as const))('%s has a for, a severity, a summary, a description and a runbook anchor that exists', (_name, alert) => {
    expect(alert.for).toMatch(/^\d+[smh]$/);
    expect(['warning', 'critical']).toContain(alert.labels?.severity);
    expect(alert.annotations?.summary?.length).toBeGreaterThan(10);
    expect(alert.annotations?.description?.length).toBeGreaterThan(20);
    const url = alert.annotations?.runbook_url ?? '';
    expect(url).toBe(`docs/runbook.md#${alert.alert!.toLowerCase()}`);
    expect(anchors).toContain(url.split('#')[1]);
  });

  it.each(alerts.map((a) => [a.alert!, a.expr] as const))('%s reads only metrics herald serves, with balanced, well-formed PromQL', (_name, expr) => {
    expect(syntaxProblems(expr)).toEqual([]);
    for (const name of metricNames(expr, served)) expect([name, served.has(name)]).toEqual([name, true]);
  });

  it('compares latency with the configured budget, never a copied number', () => {
    for (const name of ['HeraldLagOverBudget', 'HeraldEndToEndOverBudget']) {
      expect(alerts.find((a) => a.alert === name)?.expr).toContain('herald_latency_budget_seconds');
    }
  });
});

describe('dashboard (ops/grafana/herald-dashboard.json)', () => {
  const served = servedMetrics();

  it('is a Grafana dashboard on the ${DS_PROMETHEUS} data source variable, every panel placed and uniquely numbered', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('herald-overview');
    expect(dashboard.templating.list).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', query: 'prometheus' })]),
    );
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.gridPos.w).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect([p.title, p.datasource?.uid]).toEqual([p.title, '${DS_PROMETHEUS}']);
      expect(p.targets?.length).toBeGreaterThan(0);
      for (const t of p.targets!) expect([p.title, t.datasource?.uid, typeof t.refId]).toEqual([p.title, '${DS_PROMETHEUS}', 'string']);
    }
  });

  it.each(dashboardExprs.map((e) => [e.panel, e.expr] as const))('panel "%s": %s reads only metrics herald serves, with well-formed PromQL', (_panel, expr) => {
    expect(syntaxProblems(expr)).toEqual([]);
    for (const name of metricNames(expr, served)) expect([name, served.has(name)]).toEqual([name, true]);
  });

  it('shows every herald metric, and process memory, CPU and event loop lag', () => {
    const shown = new Set(dashboardExprs.flatMap((e) => metricNames(e.expr, served)));
    const missing = [...served.keys()].filter((n) => n.startsWith('herald_') && !shown.has(n));
    expect(missing).toEqual([]);
    for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_p99_seconds']) expect(shown).toContain(name);
  });
});

describe('runbook (docs/runbook.md)', () => {
  it('starts with a first-five-minutes section of at most 10 steps', () => {
    const first = /## First five minutes\n([\s\S]*?)\n## /.exec(runbook)?.[1] ?? '';
    const steps = first.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expect(steps.length).toBeLessThanOrEqual(10);
    expect(runbook.indexOf('## First five minutes')).toBeLessThan(runbook.indexOf('## Herald'));
  });

  it('has one section per alert, no section for an alert that does not exist, each saying what, how bad, what to run, how to fix and confirm', () => {
    const sections = [...runbook.matchAll(/^## (Herald\w+)\n([\s\S]*?)(?=\n## |(?![\s\S]))/gm)].map((m) => ({ name: m[1]!, body: m[2]! }));
    expect(sections.map((s) => s.name).sort()).toEqual(alerts.map((a) => a.alert!).sort());
    for (const { name, body } of sections) {
      for (const part of ['**What it means.**', '**How bad.**', '**First commands.**', '**How to fix.**', '**How to confirm.**'])
        expect([name, body.includes(part)]).toEqual([name, true]);
      expect([name, /npx herald |curl /.test(body)]).toEqual([name, true]);
    }
  });

  it('uses only the CLI commands herald has', () => {
    const commands = [...runbook.matchAll(/npx herald ([a-z]+(?: [a-z]+)?)/g)].map((m) => m[1]!.replace(/ (?!list|show|replay|check).*$/, ''));
    const known = new Set(['dlq list', 'dlq show', 'dlq replay', 'status', 'breakers', 'lag', 'config check']);
    expect(commands.filter((c) => !known.has(c))).toEqual([]);
  });
});
