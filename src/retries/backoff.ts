import { HeraldError } from '../shared/errors';

/** Backoff settings (defaults in brackets). */
export interface BackoffOptions {
  /** Cap of the first backoff window, ms [250]. */
  initialMs?: number;
  /** Largest backoff window, ms [5000]. */
  maxMs?: number;
  /** Longest wait honoured when a provider sends Retry-After, ms [10000]. */
  maxRetryAfterMs?: number;
  /** Source of randomness in [0, 1) (injected in tests). */
  random?: () => number;
}

/**
 * Delay before attempt `attempt + 1`: "full jitter" exponential backoff (a random point in
 * [0, min(max, initial·2^(attempt-1))]), so workers retrying the same outage spread out.
 * A provider's Retry-After is a floor, not a suggestion. The durable retry store schedules
 * deliveries with it (src/dispatch/handle-failure.ts).
 */
export function backoffDelay(attempt: number, error: unknown, options: BackoffOptions = {}): number {
  const { initialMs = 250, maxMs = 5_000, maxRetryAfterMs = 10_000, random = Math.random } = options;
  const window = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * window);
  const retryAfter = error instanceof HeraldError && 'retryAfterMs' in error ? Number(error.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, Math.min(retryAfter, maxRetryAfterMs));
}
