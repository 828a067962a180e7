import { backoffDelay, createRetry, type AttemptedError, type RetryOptions } from '../../../src/dispatch/retry';
import { PermanentError, RetriableError } from '../../../src/errors';

/** A retrier whose waits are recorded instead of slept. */
function retrier(options: Partial<RetryOptions> = {}) {
  const slept: number[] = [];
  const retries: { attempt: number; delayMs: number }[] = [];
  const retry = createRetry({
    maxAttempts: 3,
    random: () => 0.5,
    sleep: async (ms) => void slept.push(ms),
    onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }),
    ...options,
  });
  return { retry, slept, retries };
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<AttemptedError> {
  try {
    await promise;
  } catch (error) {
    return error as AttemptedError;
  }
  throw new Error('expected a rejection');
}

describe('createRetry', () => {
  it('resolves at once with attempts 1 when fn succeeds', async () => {
    const { retry, slept } = retrier();
    expect(await retry(async () => 'ok')).toEqual({ value: 'ok', attempts: 1 });
    expect(slept).toEqual([]);
  });

  it('retries a RetriableError and reports the attempt that succeeded', async () => {
    const { retry, slept, retries } = retrier({ maxAttempts: 5 });
    const seen: number[] = [];
    const result = await retry(async (_bail, attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw new RetriableError('timeout');
      return 42;
    });
    expect(result).toEqual({ value: 42, attempts: 3 });
    expect(seen).toEqual([1, 2, 3]);
    // random 0.5 of windows 250 and 500.
    expect(slept).toEqual([125, 250]);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 125 },
      { attempt: 2, delayMs: 250 },
    ]);
  });

  it('stops at maxAttempts and rethrows the last error with attempts attached', async () => {
    const { retry, slept } = retrier({ maxAttempts: 3 });
    let calls = 0;
    const error = await rejection(retry(async () => {
      calls++;
      throw new RetriableError(`down ${calls}`);
    }));
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.message).toBe('down 3');
    expect(error.attempts).toBe(3);
    expect(slept).toHaveLength(2);
  });

  it.each([
    ['PermanentError', () => new PermanentError('bad address')],
    ['plain Error', () => new TypeError('undefined is not a function')],
  ])('fails at once on a %s (attempts 1)', async (_name, make) => {
    const { retry, slept } = retrier({ maxAttempts: 5 });
    const thrown = make();
    let calls = 0;
    const error = await rejection(retry(async () => {
      calls++;
      throw thrown;
    }));
    expect(error).toBe(thrown);
    expect(error.attempts).toBe(1);
    expect(calls).toBe(1);
    expect(slept).toEqual([]);
  });

  it('wraps a thrown non-Error in an Error, without retrying', async () => {
    const { retry } = retrier();
    const error = await rejection(retry(async () => {
      throw 'a string';
    }));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('a string');
    expect(error.attempts).toBe(1);
  });

  it('stops at once when fn bails, even with a retriable error, and rethrows that error', async () => {
    const { retry, slept } = retrier({ maxAttempts: 5 });
    const reason = new RetriableError('give up');
    let calls = 0;
    const error = await rejection(retry(async (bail, attempt) => {
      calls++;
      if (attempt === 2) bail(reason);
      throw new RetriableError('flaky');
    }));
    expect(error).toBe(reason);
    expect(error.attempts).toBe(2);
    expect(calls).toBe(2);
    expect(slept).toHaveLength(1);
  });
});

describe('backoffDelay', () => {
  const err = new RetriableError('busy');

  it('draws full jitter within [0, min(max, initial·2^(n-1))]', () => {
    const options = { maxAttempts: 10, initialMs: 100, maxMs: 1_000 };
    const windows = [100, 200, 400, 800, 1_000, 1_000];
    windows.forEach((window, i) => {
      const attempt = i + 1;
      expect(backoffDelay(attempt, err, { ...options, random: () => 0 })).toBe(0);
      const top = backoffDelay(attempt, err, { ...options, random: () => 0.999_999 });
      expect(top).toBeLessThanOrEqual(window);
      expect(top).toBeGreaterThanOrEqual(window - 1);
      expect(backoffDelay(attempt, err, { ...options, random: () => 0.5 })).toBe(window / 2);
    });
  });

  it('stays in bounds with the real random source', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const window = Math.min(5_000, 250 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(attempt, err, { maxAttempts: 8 });
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(window);
      }
    }
  });

  it('honours Retry-After as a floor over the jitter', () => {
    const limited = new RetriableError('429', 'rate_limited', undefined, 3_000);
    expect(backoffDelay(1, limited, { maxAttempts: 3, random: () => 0 })).toBe(3_000);
    // A jittered delay above the floor wins.
    const small = new RetriableError('429', 'rate_limited', undefined, 10);
    expect(backoffDelay(1, small, { maxAttempts: 3, initialMs: 1_000, random: () => 0.5 })).toBe(500);
  });

  it('caps Retry-After at maxRetryAfterMs (default 10 s)', () => {
    const hour = new RetriableError('429', 'rate_limited', undefined, 3_600_000);
    expect(backoffDelay(1, hour, { maxAttempts: 3, random: () => 0 })).toBe(10_000);
    expect(backoffDelay(1, hour, { maxAttempts: 3, random: () => 0, maxRetryAfterMs: 2_000 })).toBe(2_000);
  });

  it('ignores Retry-After on errors that are not herald errors', () => {
    const foreign = Object.assign(new Error('x'), { retryAfterMs: 9_000 });
    expect(backoffDelay(1, foreign, { maxAttempts: 3, random: () => 0 })).toBe(0);
  });

  it('waits the Retry-After between attempts of the retrier', async () => {
    const { retry, slept } = retrier({ random: () => 0 });
    await retry(async (_bail, attempt) => {
      if (attempt === 1) throw new RetriableError('429', 'rate_limited', undefined, 1_500);
      return 'ok';
    });
    expect(slept).toEqual([1_500]);
  });
});
