import { round } from './stats';

/** What every measured run reports: how much it did and how long it took. */
export interface Timed {
  /** Units of work (events, messages) in the run. */
  n: number;
  durationMs: number;
}

/** Runs per second of a timed run. */
export const rateOf = (run: Timed) => (run.n / run.durationMs) * 1000;

/**
 * Warm-up: runs `n0` units, then larger runs until one lasts at least `minMs`; returns the rate of
 * the last (the earlier ones run on a cold worker and mostly warm it up).
 */
export async function calibrate<T extends Timed>(run: (n: number) => Promise<T>, n0: number, minMs: number, unit = 1): Promise<{ rate: number; runs: T[] }> {
  const runs: T[] = [];
  let n = n0;
  for (;;) {
    const result = await run(n);
    runs.push(result);
    if (result.durationMs >= minMs || runs.length >= 5) return { rate: rateOf(result), runs };
    const factor = Math.min(10, Math.max(2, (minMs / Math.max(result.durationMs, 1)) * 1.2));
    n = roundUp(n * factor, unit);
  }
}

function roundUp(n: number, unit: number): number {
  return Math.max(unit, Math.ceil(n / unit) * unit);
}

/** N for a run of at least `seconds` at `rate` per second, with a 25 % margin, in whole `unit`s. */
export function sizeFor(rate: number, seconds: number, unit = 1): number {
  return roundUp(rate * seconds * 1.25, unit);
}

/**
 * The timed repeats: each runs N units; a repeat shorter than `seconds` is discarded and run again
 * with N raised to fit its own rate (at most three times per repeat), so every reported repeat lasts
 * at least `seconds`. Returns the kept and the discarded runs.
 */
export async function timedRepeats<T extends Timed>(options: {
  repeats: number;
  seconds: number;
  n: number;
  unit?: number;
  run: (n: number) => Promise<T>;
}): Promise<{ kept: T[]; discarded: T[]; n: number }> {
  const kept: T[] = [];
  const discarded: T[] = [];
  let n = options.n;
  while (kept.length < options.repeats) {
    const result = await options.run(n);
    if (result.durationMs >= options.seconds * 1000 || discarded.length >= 3 * options.repeats) {
      kept.push(result);
    } else {
      discarded.push(result);
      n = Math.max(n + (options.unit ?? 1), sizeFor(rateOf(result), options.seconds, options.unit));
    }
  }
  return { kept, discarded, n };
}

/** A timed run as stored in results.json: its figures rounded. */
export function rawRun(kind: string, run: Timed & Record<string, unknown>): Record<string, unknown> {
  return { kind, ...run, durationMs: Math.round(run.durationMs), ratePerSecond: round(rateOf(run), 1) };
}

/** `run`, printing one progress line per run through `log`. */
export function logged<T extends Timed>(log: (line: string) => void, label: string, run: (n: number) => Promise<T>): (n: number) => Promise<T> {
  return async (n) => {
    const result = await run(n);
    log(`${label}: n=${result.n} in ${round(result.durationMs / 1000, 2)} s (${round(rateOf(result), 1)}/s)`);
    return result;
  };
}
