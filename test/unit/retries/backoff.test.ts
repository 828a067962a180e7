import { backoffDelay } from '../../../src/retries/backoff';
import { RetriableError } from '../../../src/shared/errors';

describe('backoffDelay', () => {
  const err = new RetriableError('busy');

  it('draws full jitter within [0, min(max, initial·2^(n-1))]', () => {
    const options = { initialMs: 100, maxMs: 1_000 };
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
        const delay = backoffDelay(attempt, err, {});
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(window);
      }
    }
  });

  it('honours Retry-After as a floor over the jitter', () => {
    const limited = new RetriableError('429', 'rate_limited', undefined, 3_000);
    expect(backoffDelay(1, limited, { random: () => 0 })).toBe(3_000);
    // A jittered delay above the floor wins.
    const small = new RetriableError('429', 'rate_limited', undefined, 10);
    expect(backoffDelay(1, small, { initialMs: 1_000, random: () => 0.5 })).toBe(500);
  });

  it('caps Retry-After at maxRetryAfterMs (default 10 s)', () => {
    const hour = new RetriableError('429', 'rate_limited', undefined, 3_600_000);
    expect(backoffDelay(1, hour, { random: () => 0 })).toBe(10_000);
    expect(backoffDelay(1, hour, { random: () => 0, maxRetryAfterMs: 2_000 })).toBe(2_000);
  });

  it('ignores Retry-After on errors that are not herald errors', () => {
    const foreign = Object.assign(new Error('x'), { retryAfterMs: 9_000 });
    expect(backoffDelay(1, foreign, { random: () => 0 })).toBe(0);
  });
});
