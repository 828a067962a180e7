import { createBatchStore } from '../../../src/digests/batch-store';
import { parseConfig } from '../../../src/config/load-config';
import { createRateLimiter, type RateWait } from '../../../src/dispatch/rate-limiter';
import { createKeys } from '../../../src/redis/keys';
import { testRedis } from '../../support/infra';
import { groupOf, item, manualClock, nextWindow, windowAt, WINDOW_MS } from '../digests/batching-fixtures';

describe('what the scrape-time gauges read, on real Redis', () => {
  const infra = testRedis();
  afterAll(() => infra.cleanup());

  it("batch store backlog: due windows (ended, or a dead flusher's expired claim), waiting ones, and the earliest due time", async () => {
    const keys = createKeys(`${infra.prefix}-backlog`);
    const clock = manualClock();
    const store = createBatchStore({ redis: infra.redis, keys, clock, claimLeaseMs: 10_000 });
    expect(await store.backlog(clock.now())).toEqual({ due: 0, waiting: 0, oldestDueAt: null });

    const first = windowAt(clock.now());
    await store.add(groupOf('u1'), first, item('e1'), nextWindow);
    await store.add(groupOf('u2'), first, item('e2', { recipientId: 'u2' }), nextWindow);
    await store.add(groupOf('u3'), first + WINDOW_MS, item('e3', { recipientId: 'u3' }), nextWindow);
    expect(await store.backlog(clock.now())).toEqual({ due: 0, waiting: 3, oldestDueAt: null });

    // The first window ends; a flusher claims one of its two groups (its lease end is its new due time).
    clock.set(first + 5_000);
    expect(await store.claim({ groupKey: groupOf('u1'), windowEnd: first }, 'worker-a')).not.toBeNull();
    expect(await store.backlog(clock.now())).toEqual({ due: 1, waiting: 2, oldestDueAt: first });

    // worker-a died: past its lease the claimed window is due again, behind the one nobody took.
    clock.set(first + 16_000);
    expect(await store.backlog(clock.now())).toEqual({ due: 2, waiting: 1, oldestDueAt: first });
  });

  it('rate limiter observe: reports sends that waited for a token or were deferred, never immediate grants or unlimited channels', async () => {
    const keys = createKeys(`${infra.prefix}-limiter`);
    const waits: RateWait[] = [];
    const channels = parseConfig({ channels: { sms: { rateLimit: { perSecond: 10, burst: 1 } } } }).channels;
    const limiter = createRateLimiter({ redis: infra.redis, keys, channels, observe: (w) => waits.push(w) });

    expect(await limiter.acquire('email', 'smtp', 0)).toEqual({ granted: true, waitedMs: 0 });
    expect(await limiter.acquire('sms', 'twilio', 1_000)).toEqual({ granted: true, waitedMs: 0 });
    expect(waits).toEqual([]);

    const second = await limiter.acquire('sms', 'twilio', 1_000);
    expect(second.granted && second.waitedMs).toBeGreaterThan(0);
    const refused = await limiter.acquire('sms', 'twilio', 0);
    expect(refused.granted).toBe(false);

    expect(waits).toEqual([
      { channel: 'sms', provider: 'twilio', outcome: 'granted_after_wait', waitedMs: second.granted ? second.waitedMs : -1 },
      { channel: 'sms', provider: 'twilio', outcome: 'deferred', waitedMs: 0 },
    ]);
  });
});
