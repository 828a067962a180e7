/**
 * How an algorithm's cost grows with its input, measured so that the answer holds on a shared,
 * busy machine: a ratio of two timings taken in the same process, never an absolute time.
 */

/** CPU time of this process, in ms: unlike the wall clock, it does not count time other processes had the core. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** CPU ms per call of `fn`, repeating it until `roundMs` has passed; the clock is read between doubling batches so reading it costs nothing per call. */
export function msPerCall(fn: () => unknown, roundMs: number): number {
  let calls = 0;
  const started = cpuMs();
  for (let batch = 1; cpuMs() - started < roundMs; batch *= 2) {
    for (let i = 0; i < batch; i += 1) fn();
    calls += batch;
  }
  return (cpuMs() - started) / calls;
}

/** CPU time of one round at 1x; 8x rounds get 8 times as long, so both repeat the work about as often. */
const ROUND_MS = 5;

/**
 * Cost at `factor` times the input over the cost at 1×: about `factor` for a linear algorithm,
 * `factor²` for a quadratic one. `input(n)` builds the input of size n; choose `n` so that one call
 * takes a few ms before the fix (the quadratic 8× call then takes a few hundred ms, not minutes).
 * Rounds alternate between the sizes, the first warming both up (JIT, regex compilation), and
 * the least time of each size counts: noise from other processes only ever adds time.
 */
export function costGrowth<T>(input: (n: number) => T, run: (input: T) => unknown, n: number, factor = 8, rounds = 5): number {
  const small = input(n);
  const large = input(n * factor);
  let bestSmall = Infinity;
  let bestLarge = Infinity;
  for (let round = 0; round <= rounds; round += 1) {
    const s = msPerCall(() => run(small), ROUND_MS);
    const l = msPerCall(() => run(large), ROUND_MS * factor);
    if (round === 0) continue;
    bestSmall = Math.min(bestSmall, s);
    bestLarge = Math.min(bestLarge, l);
  }
  return bestLarge / bestSmall;
}

/** The bound the cost tests assert for 8× the input: linear (8) with room for noise, far below quadratic (64). */
export const LINEAR_AT_8X = 12;

/**
 * {@link costGrowth} at 8×, measured again (up to three times in all) while above
 * {@link LINEAR_AT_8X}: a busy neighbour can push one measurement of a linear algorithm over the
 * bound, while a quadratic one stays far above it however often it is measured.
 */
export function growthAt8x<T>(input: (n: number) => T, run: (input: T) => unknown, n: number): number {
  let least = Infinity;
  for (let attempt = 0; attempt < 3 && least >= LINEAR_AT_8X; attempt += 1) least = Math.min(least, costGrowth(input, run, n));
  return least;
}

/**
 * CPU cost of `run` over the cost of `reference`, the least of each over alternating rounds: for
 * checking that a pass over a text costs about what reading it once does, whatever the machine.
 */
export function costRatio(run: () => unknown, reference: () => unknown, rounds = 5): number {
  let bestRun = Infinity;
  let bestReference = Infinity;
  for (let round = 0; round <= rounds; round += 1) {
    const r = msPerCall(run, ROUND_MS * 4);
    const ref = msPerCall(reference, ROUND_MS * 4);
    if (round === 0) continue;
    bestRun = Math.min(bestRun, r);
    bestReference = Math.min(bestReference, ref);
  }
  return bestRun / bestReference;
}
