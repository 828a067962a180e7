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
    const waits = await Promise.all(Array.from({ length: 15 }, (_, i) => (i % 2 ? workerA : workerB)('sms', 'twilio')));
    const elapsed = Date.now() - started;
    other.disconnect();
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    // 10 calls beyond the burst at 20/s need at least ~500 ms in all.
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(3000);
  });

  it('passes channels without a limit at once and keeps providers in separate buckets', async () => {
    const keys = createKeys(`${prefix}-2`);
    const limiter = createRateLimiter({ redis, keys, channels });
    const emailWaits = await Promise.all(Array.from({ length: 50 }, () => limiter('email', 'smtp')));
    expect(emailWaits.every((w) => w === 0)).toBe(true);
    const first = await Promise.all(Array.from({ length: 5 }, () => limiter('sms', 'provider-a')));
    const second = await Promise.all(Array.from({ length: 5 }, () => limiter('sms', 'provider-b')));
    expect([...first, ...second].every((w) => w === 0)).toBe(true);
    expect(await redis.pttl(keys.rateLimit('sms', 'provider-a'))).toBeGreaterThan(0);
  });
});
