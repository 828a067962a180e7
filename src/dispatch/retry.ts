import { HeraldError, isRetriable } from '../errors';

/** Backoff settings (defaults in brackets). */
export interface RetryOptions {
  /** Total attempts including the first [3]. */
  maxAttempts: number;
  /** Cap of the first backoff window, ms [250]. */
  initialMs?: number;
  /** Largest backoff window, ms [5000]. */
  maxMs?: number;
  /** Longest wait honoured when a provider sends Retry-After, ms [10000]. */
  maxRetryAfterMs?: number;
  /** Source of randomness in [0, 1) (injected in tests). */
  random?: () => number;
  /** How to wait (injected in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each wait, for logs and metrics. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * Delay before attempt `attempt + 1`: "full jitter" exponential backoff (a random point in
 * [0, min(max, initial·2^(attempt-1))]), so workers retrying the same outage spread out.
 * A provider's Retry-After is a floor, not a suggestion.
 */
export function backoffDelay(attempt: number, error: unknown, options: RetryOptions): number {
  const { initialMs = 250, maxMs = 5_000, maxRetryAfterMs = 10_000, random = Math.random } = options;
  const window = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * window);
  const retryAfter = error instanceof HeraldError && 'retryAfterMs' in error ? Number(error.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, Math.min(retryAfter, maxRetryAfterMs));
}

/** Waits `ms` milliseconds: the default of every injectable `sleep` in dispatch. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one retrier (after kafkajs `createRetry`): `createRetry(options)(fn)` calls
 * `fn(bail, attempt)` until it resolves, a permanent error is thrown, `bail(error)` is called, or
 * attempts run out; the last error is rethrown. Only `RetriableError`s are retried: anything
 * else, programming errors included, fails at once.
 */
export function createRetry(options: RetryOptions) {
  const wait = options.sleep ?? sleep;
  return async function retry<T>(fn: (bail: (error: unknown) => never, attempt: number) => Promise<T>): Promise<{ value: T; attempts: number }> {
    const bailed = Symbol('bail');
    const bail = (error: unknown): never => {
      throw Object.assign(new Error('bail'), { [bailed]: error });
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return { value: await fn(bail, attempt), attempts: attempt };
      } catch (thrown) {
        const error = thrown instanceof Error && bailed in thrown ? (thrown as unknown as Record<symbol, unknown>)[bailed] : thrown;
        if (error !== thrown || !isRetriable(error) || attempt >= options.maxAttempts) throw Object.assign(wrapAttempts(error), { attempts: attempt });
        const delayMs = backoffDelay(attempt, error, options);
        options.onRetry?.({ attempt, delayMs, error });
        await wait(delayMs);
      }
    }
  };
}

/** Errors leave the retrier with an `attempts` count attached. */
export type AttemptedError = Error & { attempts: number };

function wrapAttempts(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
