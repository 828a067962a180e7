import { max, median, round } from './stats';

/** A target a figure is held to, e.g. `{ op: '<=', value: 300 }` for "at most 300". */
export interface Target {
  op: '>=' | '<=';
  value: number;
}

/** One reported figure: its value per timed repeat, and the aggregate printed in the table. */
export interface Figure {
  name: string;
  unit: string;
  /** One value per timed repeat (empty for a figure derived from other figures). */
  repeats: number[];
  /** How `value` is taken from `repeats`: the median, or the max (peaks such as memory). */
  aggregate: 'median' | 'max' | 'derived';
  /** The aggregate, or null when there is nothing to aggregate. */
  value: number | null;
  target?: Target;
  /** Whether `value` meets `target`; null without a target or a value. */
  pass: boolean | null;
}

/** Everything one scenario reports: figures for the table, raw repeats for results.json. */
export interface ScenarioResult {
  scenario: string;
  figures: Figure[];
  /** Every run as measured (calibration, discarded and timed repeats), for results.json. */
  runs: Record<string, unknown>[];
  /** Things worth knowing about this scenario's run (deviations, anomalies seen in the service). */
  notes: string[];
  /** Set when the bench itself failed in this scenario (a timeout, a crash): no figure was taken from the failed part. */
  error?: string;
  /** Wall time of the scenario, start-up and cleanup included, in seconds. */
  wallSeconds?: number;
}

/** A figure from its repeats (median unless `aggregate` says max), checked against `target`. */
export function figure(
  name: string,
  unit: string,
  repeats: number[],
  options: { target?: Target; aggregate?: 'median' | 'max'; digits?: number } = {},
): Figure {
  const aggregate = options.aggregate ?? 'median';
  const raw = aggregate === 'max' ? max(repeats) : median(repeats);
  const digits = options.digits ?? 1;
  return finish({
    name,
    unit,
    repeats: repeats.map((v) => round(v, digits)),
    aggregate,
    value: raw === null ? null : round(raw, digits),
    target: options.target,
    pass: null,
  });
}

/** A figure computed from other figures (a ratio), checked against `target`. */
export function derivedFigure(name: string, unit: string, value: number | null, target?: Target, digits = 2): Figure {
  return finish({
    name,
    unit,
    repeats: [],
    aggregate: 'derived',
    value: value === null || !Number.isFinite(value) ? null : round(value, digits),
    target,
    pass: null,
  });
}

function finish(f: Figure): Figure {
  if (!f.target || f.value === null) return f;
  return { ...f, pass: f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value };
}

/** The value of the figure `name` of `result`, or null. */
export function valueOf(result: ScenarioResult | undefined, name: string): number | null {
  return result?.figures.find((f) => f.name === name)?.value ?? null;
}

/** Thrown when the bench itself fails (a timeout, a crashed worker): reported as a failure, never as a figure. */
export class BenchFailure extends Error {
  override readonly name = 'BenchFailure';
}
