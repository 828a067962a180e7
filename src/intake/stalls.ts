import { describeError } from '../shared/errors';
import { redactText } from '../shared/logger';

/** One message a partition waits on because its handling keeps failing. */
export interface Stall {
  topic: string;
  partition: number;
  offset: string;
  /** Epoch ms of the first failure of this message. */
  since: number;
  /** The last failure, described: redacted as in the logs and cut to 300 characters (`/readyz` needs no key). */
  error: string;
}

/**
 * The messages this worker is retrying in place right now, for readiness: a partition held on one
 * offset for longer than `kafka.stuckAfterMs` makes `/readyz` answer 503 with where and why, so an
 * orchestrator and on-call see a stall that `herald lag` would only show as growing lag.
 */
export function createStalls(now: () => number) {
  const stalls = new Map<string, Stall>();
  const id = (at: { topic: string; partition: number; offset: string }) => `${at.topic}/${at.partition}/${at.offset}`;
  return {
    /** Records a failure of the message at `at` (its first one starts the clock). */
    failed(at: { topic: string; partition: number; offset: string }, error: unknown): void {
      const known = stalls.get(id(at));
      stalls.set(id(at), { ...at, since: known?.since ?? now(), error: redactText(describeError(error).slice(0, 300)) });
    },
    /** The message was handled, dead-lettered or given up (the partition moved on or was taken away). */
    cleared(at: { topic: string; partition: number; offset: string }): void {
      stalls.delete(id(at));
    },
    /** Messages failing for longer than `afterMs`, oldest first. */
    stuck(afterMs: number): Stall[] {
      const cutoff = now() - afterMs;
      return [...stalls.values()].filter((s) => s.since <= cutoff).sort((a, b) => a.since - b.since);
    },
  };
}

/** The registry, as returned by {@link createStalls}. */
export type Stalls = ReturnType<typeof createStalls>;
