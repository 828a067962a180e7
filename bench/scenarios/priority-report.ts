import { derivedFigure, figure, type Figure, type ScenarioResult } from '../results';
import { median, round } from '../stats';
import { CRITICAL_RATE, criticalCount, type CriticalWindow } from './critical-window';
import type { BacklogRun } from './priority-backlog';
import { FLOOD_LEAD_MS, type FloodRepeat } from './priority-flood';
import { peakRssFigure } from './worker-peak-rss';

/** Targets: p99 under flood at most this many times idle, and at most this many ms. */
export const FLOOD_RATIO_TARGET = 2;
export const FLOOD_P99_TARGET_MS = 100;
/** Targets: p99 under backlog at most this many ms, and at most this many times the idle p99. */
export const BACKLOG_P99_TARGET_MS = 500;
export const BACKLOG_RATIO_TARGET = 5;

/** What the priority scenario measured: the repeats (idle and flood windows) and the one backlog run. */
export interface PriorityMeasured {
  /** The flood's target rate, events/s (half the throughput). */
  floodRate: number;
  floods: FloodRepeat[];
  /** The backlog on the bulk topic; null when the run failed (the scenario's error says why). */
  backlog: BacklogRun | null;
  /** The same backlog on the incoming topic, forwarded by intake (a reference, without targets); null when it failed or did not run. */
  backlogViaIntake?: BacklogRun | null;
  seconds: number;
}

/** A window's latencies as stored in results.json: the percentiles, not the samples. */
const summary = (w: CriticalWindow) => ({ p50: w.p50, p99: w.p99, max: w.max });

/** A p99 over another (idle), guarded against an idle p99 of 0 ms. */
export const p99Ratio = (p99: number, idleP99: number) => p99 / Math.max(1, idleP99);

/** The scenario's figures, raw runs and notes from what it measured; `label` follows every figure's name (which deployment it measured). */
export function priorityReport(m: PriorityMeasured, label = ''): Pick<ScenarioResult, 'figures' | 'runs' | 'notes'> {
  const runs: Record<string, unknown>[] = m.floods.map((r, i) => ({
    kind: 'timed',
    repeat: i + 1,
    criticalPerWindow: r.idle.latencies.length,
    idle: summary(r.idle),
    flood: summary(r.underFlood),
    floodTargetRate: round(m.floodRate),
    floodAchievedRate: round(r.floodRate),
    floodEvents: r.floodEvents,
    floodDrainMs: r.drainMs,
    peakRssMb: r.peakRssMb,
  }));
  const notes = [
    `flood: ${round(m.floodRate)} events/s of normal/low (in_app + email) for ${m.seconds + FLOOD_LEAD_MS / 1000} s per repeat; critical: ` +
      `${CRITICAL_RATE}/s in-app only, ${criticalCount(m.seconds)} per window`,
  ];
  const backlogs = [m.backlog, m.backlogViaIntake ?? null].filter((b): b is BacklogRun => b !== null);
  for (const b of backlogs) {
    const { window, ...rest } = b;
    const how = b === m.backlog ? 'backlog' : 'backlog via intake';
    runs.push({ kind: b === m.backlog ? 'backlog' : 'backlog-via-intake', ...rest, criticalPerWindow: window.latencies.length, window: summary(window) });
    notes.push(
      `${how}: ${b.backlog.toLocaleString('en-US')} normal/low events (in_app + email) produced to ${b.topic} in ${round(b.produceMs / 1000)} s ` +
        `before one critical window, once after the repeats; drained in ${round(b.drainMs / 1000)} s (${round((b.backlog / b.drainMs) * 1000)} events/s)`,
    );
    if (b.pendingAfterWindow === 0)
      notes.push(`${how}: the worker had delivered the whole backlog before the critical window ended, so part of it was not under backlog; raise --backlog`);
  }
  // One peak per repeat, then the backlog runs' (the last values of the figure's repeats).
  const peaks = [...m.floods.map((r) => r.peakRssMb), ...backlogs.map((b) => b.peakRssMb)];
  const figures = [...floodFigures(m.floods), ...backlogFigures(m.backlog, m.floods), ...viaIntakeFigures(m.backlogViaIntake ?? null)];
  const all = [...figures, peakRssFigure('worker peak RSS', peaks)];
  return { figures: label ? all.map((f) => ({ ...f, name: `${f.name}${label}` })) : all, runs, notes };
}

function floodFigures(floods: FloodRepeat[]): Figure[] {
  const idle = floods.map((r) => r.idle);
  const flooded = floods.map((r) => r.underFlood);
  const at = (windows: CriticalWindow[], p: 'p50' | 'p99') => windows.map((w) => w[p]);
  const ratios = floods.map((r) => p99Ratio(r.underFlood.p99, r.idle.p99));
  return [
    figure('critical p50 idle', 'ms', at(idle, 'p50'), { digits: 0 }),
    figure('critical p99 idle', 'ms', at(idle, 'p99'), { digits: 0 }),
    figure('critical p50 under flood', 'ms', at(flooded, 'p50'), { digits: 0 }),
    figure('critical p99 under flood', 'ms', at(flooded, 'p99'), { digits: 0, target: { op: '<=', value: FLOOD_P99_TARGET_MS } }),
    figure('critical p99 ratio flood/idle', '×', ratios, { digits: 2, target: { op: '<=', value: FLOOD_RATIO_TARGET } }),
  ];
}

/** The backlog's percentiles (one run), and its p99 over the median idle p99 of the repeats. */
function backlogFigures(b: BacklogRun | null, floods: FloodRepeat[]): Figure[] {
  const idleP99 = median(floods.map((r) => r.idle.p99));
  return [
    figure('critical p50 under backlog', 'ms', b ? [b.window.p50] : [], { digits: 0 }),
    figure('critical p99 under backlog', 'ms', b ? [b.window.p99] : [], { digits: 0, target: { op: '<=', value: BACKLOG_P99_TARGET_MS } }),
    derivedFigure('backlog p99 / idle p99', '×', b && idleP99 !== null ? p99Ratio(b.window.p99, idleP99) : null, {
      op: '<=',
      value: BACKLOG_RATIO_TARGET,
    }),
  ];
}

/** The backlog written to the incoming topic: what a producer that writes every event there gets (a reference: herald's publishers do not). */
function viaIntakeFigures(b: BacklogRun | null): Figure[] {
  if (!b) return [];
  return [
    figure('critical p50 under backlog via intake (reference)', 'ms', [b.window.p50], { digits: 0 }),
    figure('critical p99 under backlog via intake (reference)', 'ms', [b.window.p99], { digits: 0 }),
  ];
}
