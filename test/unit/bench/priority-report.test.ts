import type { CriticalWindow } from '../../../bench/scenarios/critical-window';
import type { BacklogRun } from '../../../bench/scenarios/priority-backlog';
import type { FloodRepeat } from '../../../bench/scenarios/priority-flood';
import { BACKLOG_P99_TARGET_MS, BACKLOG_RATIO_TARGET, priorityReport, type PriorityMeasured } from '../../../bench/scenarios/priority-report';

const window = (p50: number, p99: number): CriticalWindow => ({ latencies: [p50, p99], p50, p99, max: p99 });
const flood = (idleP99: number, floodP99: number, peakRssMb: number | null = 180): FloodRepeat => ({
  idle: window(4, idleP99),
  underFlood: window(6, floodP99),
  floodEvents: 1200,
  floodRate: 100,
  drainMs: 800,
  peakRssMb,
});
const backlog = (p99: number, pendingAfterWindow = 3000, peakRssMb: number | null = 240, topic = 'bench.bulk'): BacklogRun => ({
  topic,
  backlog: 50_000,
  window: window(40, p99),
  produceMs: 4000,
  pendingAfterWindow,
  drainMs: 250_000,
  peakRssMb,
});
const measured = (b: BacklogRun | null, floods = [flood(8, 20), flood(10, 30), flood(12, 25)]): PriorityMeasured => ({
  floodRate: 100,
  floods,
  backlog: b,
  seconds: 10,
});
const figureOf = (m: PriorityMeasured, name: string) => priorityReport(m).figures.find((f) => f.name === name)!;

describe('the priority report', () => {
  it('gives the backlog window its own p50 and p99, held to 500 ms', () => {
    expect(figureOf(measured(backlog(300)), 'critical p50 under backlog')).toMatchObject({ value: 40, unit: 'ms', repeats: [40] });
    expect(figureOf(measured(backlog(BACKLOG_P99_TARGET_MS)), 'critical p99 under backlog')).toMatchObject({ value: 500, pass: true });
    expect(figureOf(measured(backlog(501)), 'critical p99 under backlog')).toMatchObject({ pass: false });
  });

  it("divides the backlog p99 by the repeats' median idle p99, held to 5 ×", () => {
    expect(figureOf(measured(backlog(50)), 'backlog p99 / idle p99')).toMatchObject({
      value: 5,
      unit: '×',
      target: { op: '<=', value: BACKLOG_RATIO_TARGET },
      pass: true,
    });
    expect(figureOf(measured(backlog(51)), 'backlog p99 / idle p99')).toMatchObject({ value: 5.1, pass: false });
  });

  it('does not divide by an idle p99 of 0 ms', () => {
    expect(figureOf(measured(backlog(3), [flood(0, 2)]), 'backlog p99 / idle p99').value).toBe(3);
  });

  it('reports no backlog figure when the backlog run failed, and keeps the flood figures', () => {
    const m = measured(null);
    expect(figureOf(m, 'critical p99 under backlog').value).toBeNull();
    expect(figureOf(m, 'backlog p99 / idle p99').value).toBeNull();
    expect(figureOf(m, 'critical p99 under flood').value).toBe(25);
    expect(priorityReport(m).notes.some((n) => n.startsWith('backlog'))).toBe(false);
  });

  it('says how the backlog drained, and when it drained before the window ended', () => {
    expect(priorityReport(measured(backlog(60))).notes).toContain(
      'backlog: 50,000 normal/low events (in_app + email) produced to bench.bulk in 4 s before one critical window, once after the repeats; ' +
        'drained in 250 s (200 events/s)',
    );
    expect(priorityReport(measured(backlog(60, 0))).notes.at(-1)).toMatch(/delivered the whole backlog before the critical window ended.*raise --backlog/);
  });

  it("reports the worker's peak RSS over the repeats and the backlog run, its last value", () => {
    expect(figureOf(measured(backlog(60)), 'worker peak RSS')).toMatchObject({ value: 240, repeats: [180, 180, 180, 240], aggregate: 'max', pass: true });
    expect(figureOf(measured(null, [flood(8, 20, 310), flood(8, 20, null)]), 'worker peak RSS')).toMatchObject({ value: 310, repeats: [310], pass: false });
  });

  it('labels every figure of a deployment with its label, keeping values and targets', () => {
    const plain = priorityReport(measured(backlog(60))).figures;
    const labelled = priorityReport(measured(backlog(60)), ' (lanes in two processes)').figures;
    expect(labelled.map((f) => f.name)).toEqual(plain.map((f) => `${f.name} (lanes in two processes)`));
    expect(labelled.map(({ name: _name, ...rest }) => rest)).toEqual(plain.map(({ name: _name, ...rest }) => rest));
  });

  it('stores the backlog run in results.json without its samples', () => {
    const row = priorityReport(measured(backlog(60))).runs.at(-1)!;
    expect(row).toEqual({
      kind: 'backlog',
      topic: 'bench.bulk',
      backlog: 50_000,
      produceMs: 4000,
      pendingAfterWindow: 3000,
      drainMs: 250_000,
      peakRssMb: 240,
      criticalPerWindow: 2,
      window: { p50: 40, p99: 60, max: 60 },
    });
  });

  it('reports the backlog via intake beside it, as a reference without targets, and its peak RSS last', () => {
    const m = { ...measured(backlog(60)), backlogViaIntake: backlog(2400, 3000, 260, 'bench.incoming') };
    expect(figureOf(m, 'critical p99 under backlog')).toMatchObject({ value: 60, pass: true });
    const reference = figureOf(m, 'critical p99 under backlog via intake (reference)');
    expect(reference).toMatchObject({ value: 2400, unit: 'ms' });
    expect(reference.target).toBeUndefined();
    expect(figureOf(m, 'critical p50 under backlog via intake (reference)').value).toBe(40);
    expect(figureOf(m, 'worker peak RSS')).toMatchObject({ value: 260, repeats: [180, 180, 180, 240, 260] });
    expect(priorityReport(m).notes).toContain(
      'backlog via intake: 50,000 normal/low events (in_app + email) produced to bench.incoming in 4 s before one critical window, once after the ' +
        'repeats; drained in 250 s (200 events/s)',
    );
    expect(priorityReport(m).runs.at(-1)).toMatchObject({ kind: 'backlog-via-intake', topic: 'bench.incoming', window: { p99: 2400 } });
  });
});
