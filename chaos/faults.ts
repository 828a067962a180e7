/**
 * Fault injection for the chaos run's provider stand-ins. Each provider has one switch: a low
 * background rate of random faults for the whole run, and one outage window during which every
 * call fails, long enough for its circuit breakers to open and, once it ends, close again.
 */

/** How a provider call fails. */
export type Fault =
  /** A retriable refusal: SMTP 451, HTTP 503. */
  | 'error'
  /** Slow down: HTTP 429 with Retry-After (SMTP has no Retry-After: 452). */
  | 'throttle'
  /** No answer at all: the caller's timeout (or its breaker's) has to give up. The call is not processed. */
  | 'timeout'
  /** The connection is cut before an answer. The call is not processed. */
  | 'drop';

export const FAULTS: readonly Fault[] = ['error', 'throttle', 'timeout', 'drop'];

/** A small seeded PRNG (mulberry32): the run's choices repeat for a seed, timings do not. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fault switch of one provider. */
export interface FaultSwitch {
  /** The fault this call gets, or null to serve it. */
  next(): Fault | null;
  /** Every call fails with `fault` until {@link endOutage}. */
  startOutage(fault: Fault): void;
  endOutage(): void;
  /** Faults injected so far, by kind. */
  injected(): Record<Fault, number>;
  /** Calls that reached the switch (served or not). */
  calls(): number;
}

/**
 * A switch that injects `background` (0..1) of calls with a fault picked at random among `kinds`,
 * and every call while an outage is on.
 */
export function createFaultSwitch(options: { background: number; kinds?: readonly Fault[]; random?: () => number }): FaultSwitch {
  const random = options.random ?? Math.random;
  const kinds = options.kinds ?? FAULTS;
  const counts: Record<Fault, number> = { error: 0, throttle: 0, timeout: 0, drop: 0 };
  let outage: Fault | null = null;
  let calls = 0;
  return {
    next() {
      calls += 1;
      let fault: Fault | null = outage;
      if (!fault && random() < options.background) fault = kinds[Math.floor(random() * kinds.length)]!;
      if (fault) counts[fault] += 1;
      return fault;
    },
    startOutage: (fault) => void (outage = fault),
    endOutage: () => void (outage = null),
    injected: () => ({ ...counts }),
    calls: () => calls,
  };
}
