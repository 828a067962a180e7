import { figure, type Figure } from '../results';

/** Target of the worker's peak RSS, MB. */
export const RSS_TARGET_MB = 300;

/**
 * The worker's peak RSS (VmHWM, MB) over the timed runs: the max of `peaks`, one per run, held to
 * RSS_TARGET_MB. A run whose peak could not be read (null) is left out rather than counted as 0.
 */
export function peakRssFigure(name: string, peaks: readonly (number | null)[]): Figure {
  const read = peaks.filter((p): p is number => p !== null && Number.isFinite(p));
  return figure(name, 'MB', read, { aggregate: 'max', target: { op: '<=', value: RSS_TARGET_MB }, digits: 0 });
}
