import { parseConfig } from '../../../src/config/load-config';
import { createRateLimiter } from '../../../src/dispatch/rate-limiter';
import { createKeys } from '../../../src/redis/keys';
import { testRedis } from '../../support/infra';

describe('shared token-bucket rate limit per channel and provider', () => {
  const { redis, prefix, cleanup } = testRedis();
  afterAll(cleanup);

  const channels = parseConfig({ channels: { sms: { rateLimit: { perSecond: 20, burst: 5 } } } }).channels;

  it('lets a burst through at once, then paces calls at the configured rate across limiter instances', async () => {
    const keys = createKeys(prefix);
    // Two limiters on two connections stand for two workers sharing the bucket.
    const workerA = createRateLimiter({ redis, keys, channels });
    const other = redis.duplicate();
    const workerB = createRateLimiter({ redis: other, keys, channels });
    const started = Date.now();
    const permits = await Promise.all(Array.from({ length: 15 }, (_, i) => (i % 2 ? workerA : workerB).acquire('sms', 'twilio', 10_000)));
    const elapsed = Date.now() - started;
    other.disconnect();
    expect(permits.every((p) => p.granted)).toBe(true);
    expect(permits.filter((p) => p.granted && p.waitedMs === 0)).toHaveLength(5);
    // 10 calls beyond the burst at 20/s need at least ~500 ms in all.
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(3000);
  });

  it('passes channels without a limit at once and keeps providers in separate buckets', async () => {
    const keys = createKeys(`${prefix}-2`);
    const limiter = createRateLimiter({ redis, keys, channels });
    const emailWaits = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire('email', 'smtp', 0)));
    expect(emailWaits.every((p) => p.granted && p.waitedMs === 0)).toBe(true);
    const first = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire('sms', 'provider-a', 0)));
    const second = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire('sms', 'provider-b', 0)));
    expect([...first, ...second].every((p) => p.granted && p.waitedMs === 0)).toBe(true);
    expect(await redis.pttl(keys.rateLimit('sms', 'provider-a'))).toBeGreaterThan(0);
  });

  it('refuses without waiting past maxWaitMs, saying when a token will be there', async () => {
    const keys = createKeys(`${prefix}-3`);
    const limiter = createRateLimiter({ redis, keys, channels: parseConfig({ channels: { sms: { rateLimit: { perMinute: 60, burst: 1 } } } }).channels });
    expect(await limiter.acquire('sms', 'twilio', 0)).toEqual({ granted: true, waitedMs: 0 });
    const refused = await limiter.acquire('sms', 'twilio', 100);
    expect(refused.granted).toBe(false);
    // One token per second at 60/min: the next is about a second away.
    expect(!refused.granted && refused.retryInMs).toBeGreaterThan(800);
    expect(!refused.granted && refused.retryInMs).toBeLessThanOrEqual(1_000);
  });

  it("uses a provider's own limit over the channel's", async () => {
    const keys = createKeys(`${prefix}-4`);
    const limits = parseConfig({ channels: { sms: { rateLimit: { perSecond: 1000 }, providerRateLimits: { twilio: { perSecond: 1, burst: 1 } } } } }).channels;
    const limiter = createRateLimiter({ redis, keys, channels: limits });
    await limiter.acquire('sms', 'twilio', 0);
    expect((await limiter.acquire('sms', 'twilio', 0)).granted).toBe(false);
    expect((await limiter.acquire('sms', 'sms-outbox', 0)).granted).toBe(true);
  });

  it('pauses a provider for every worker until the time it asked for, never shortening a longer pause', async () => {
    const keys = createKeys(`${prefix}-5`);
    const limiter = createRateLimiter({ redis, keys, channels });
    const now = Date.now();
    await limiter.pauseUntil('sms', 'twilio', now + 2_000, now);
    await limiter.pauseUntil('sms', 'twilio', now + 500, now);
    expect(await limiter.pausedUntil('sms', 'twilio')).toBe(now + 2_000);
    expect(await limiter.pausedUntil('sms', 'sms-outbox')).toBe(0);
    expect(await redis.pttl(keys.providerPause('sms', 'twilio'))).toBeGreaterThan(1_500);
  });

  it("shares one read of a pause for pauseReadTtlMs: another worker's pause is seen after it, its own at once", async () => {
    const keys = createKeys(`${prefix}-6`);
    const other = redis.duplicate();
    const reads: string[] = [];
    // Counts the GETs this worker's connection sends for the pause key.
    const counted = new Proxy(redis, {
      get: (target, name, receiver) => (name === 'get' ? (key: string) => (reads.push(key), target.get(key)) : Reflect.get(target, name, receiver)),
    });
    const workerA = createRateLimiter({ redis: counted, keys, channels, pauseReadTtlMs: 300 });
    const workerB = createRateLimiter({ redis: other, keys, channels });
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => workerA.pausedUntil('sms', 'twilio')));
      expect(answers).toEqual(Array.from({ length: 20 }, () => 0));
      expect(reads).toHaveLength(1);

      const now = Date.now();
      await workerB.pauseUntil('sms', 'twilio', now + 5_000, now);
      // Within the read's lifetime, A still answers what it read; after it, the other worker's pause.
      expect(await workerA.pausedUntil('sms', 'twilio')).toBe(0);
      await new Promise((r) => setTimeout(r, 350));
      expect(await workerA.pausedUntil('sms', 'twilio')).toBe(now + 5_000);

      // Its own longer pause replaces what it read, at once.
      await workerA.pauseUntil('sms', 'twilio', now + 9_000, now);
      expect(await workerA.pausedUntil('sms', 'twilio')).toBe(now + 9_000);
    } finally {
      other.disconnect();
    }
  });

  it('a failed read of a pause answers the calls that shared it, and the next call reads again', async () => {
    const keys = createKeys(`${prefix}-7`);
    const broken = redis.duplicate({ lazyConnect: true, enableOfflineQueue: false });
    const limiter = createRateLimiter({ redis: broken, keys, channels, pauseReadTtlMs: 60_000 });
    // Not connected and no offline queue: the read fails (and starts the connection).
    await expect(limiter.pausedUntil('sms', 'twilio')).rejects.toThrow();
    if (broken.status !== 'ready') await new Promise((resolve) => broken.once('ready', resolve));
    try {
      expect(await limiter.pausedUntil('sms', 'twilio')).toBe(0);
    } finally {
      broken.disconnect();
    }
  });
});
