import { Redis } from 'ioredis';
import { createFrequencyCaps, type CappedEvent } from '../../../src/routing/frequency-caps';
import type { FrequencyCapConfig } from '../../../src/config/schema';
import { createKeys } from '../../../src/redis/keys';
import { TEST_REDIS_URL, testRedis } from '../../support/infra';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const cap = (name: string, max: number, window: number, extra: Partial<FrequencyCapConfig> = {}): FrequencyCapConfig => ({
  name,
  max,
  window,
  onExceed: 'drop',
  bypassPriorities: ['critical'],
  ...extra,
});

const event = (n: number, extra: Partial<CappedEvent> = {}): CappedEvent => ({ id: `evt-${n}`, type: 'marketing', priority: 'normal', ...extra });

describe('frequency caps on real Redis', () => {
  let infra: ReturnType<typeof testRedis>;
  let t: number;
  const clock = { now: () => t };
  beforeEach(() => {
    infra = testRedis();
    t = Date.UTC(2026, 10, 21, 9, 0, 0);
  });
  afterEach(() => infra.cleanup());

  const build = (caps: FrequencyCapConfig[], redis: Redis = infra.redis) => createFrequencyCaps({ redis, keys: createKeys(infra.prefix), clock, caps });
  const counted = (recipientId: string, capName: string) => infra.redis.zrange(createKeys(infra.prefix).frequencyCap(recipientId, capName), 0, '-1');

  it('allows 3 events a day, then denies the 4th naming the cap and its count', async () => {
    const daily = cap('daily', 3, DAY);
    const caps = build([daily]);
    for (let n = 1; n <= 3; n++) {
      t += 1_000;
      expect(await caps.check(event(n), 'u1', 'email')).toEqual({ allowed: true });
    }
    expect(await caps.check(event(4), 'u1', 'email')).toEqual({ allowed: false, cap: daily, count: 3 });
    // The denied event was not counted, and another recipient has a cap of their own.
    expect(await counted('u1', 'daily')).toEqual(['evt-1', 'evt-2', 'evt-3']);
    expect(await caps.check(event(4), 'u2', 'email')).toEqual({ allowed: true });
  });

  it('counts one event once, however often it is checked and on however many channels', async () => {
    const caps = build([cap('daily', 2, DAY)]);
    expect(await caps.check(event(1), 'u1', 'email')).toEqual({ allowed: true });
    expect(await caps.check(event(1), 'u1', 'email')).toEqual({ allowed: true });
    expect(await caps.check(event(1), 'u1', 'sms')).toEqual({ allowed: true });
    expect(await counted('u1', 'daily')).toEqual(['evt-1']);
    expect(await caps.check(event(2), 'u1', 'push')).toEqual({ allowed: true });
    // The cap is full now, yet a retry of a counted event still goes through.
    expect(await caps.check(event(1), 'u1', 'push')).toEqual({ allowed: true });
    expect(await caps.check(event(3), 'u1', 'push')).toMatchObject({ allowed: false, count: 2 });
  });

  it('slides the window: the oldest event falls out first', async () => {
    const caps = build([cap('daily', 2, DAY)]);
    const start = t;
    expect(await caps.check(event(1), 'u1', 'email')).toEqual({ allowed: true });
    t = start + 6 * HOUR;
    expect(await caps.check(event(2), 'u1', 'email')).toEqual({ allowed: true });
    t = start + DAY;
    expect(await caps.check(event(3), 'u1', 'email')).toMatchObject({ allowed: false, count: 2 });
    t = start + DAY + 1;
    // evt-1 is now older than the window; evt-2 is not.
    expect(await caps.check(event(3), 'u1', 'email')).toEqual({ allowed: true });
    expect(await counted('u1', 'daily')).toEqual(['evt-2', 'evt-3']);
    expect(await caps.check(event(4), 'u1', 'email')).toMatchObject({ allowed: false, count: 2 });
    t = start + 6 * HOUR + DAY + 1;
    expect(await caps.check(event(4), 'u1', 'email')).toEqual({ allowed: true });
  });

  it('keeps each window only as long as it can matter', async () => {
    const caps = build([cap('hourly', 5, HOUR)]);
    await caps.check(event(1), 'u1', 'email');
    const pttl = await infra.redis.pttl(createKeys(infra.prefix).frequencyCap('u1', 'hourly'));
    expect(pttl).toBeGreaterThan(HOUR - 10_000);
    expect(pttl).toBeLessThanOrEqual(HOUR);
  });

  it('applies a global and a per-channel cap together, counting in all or none', async () => {
    const daily = cap('daily', 3, DAY);
    const smsHourly = cap('sms-hourly', 1, HOUR, { channels: ['sms'] });
    const caps = build([daily, smsHourly]);
    const start = t;
    expect(await caps.check(event(1), 'u1', 'sms')).toEqual({ allowed: true });
    // The sms cap is full: evt-2 is denied on sms and counted nowhere...
    expect(await caps.check(event(2), 'u1', 'sms')).toEqual({ allowed: false, cap: smsHourly, count: 1 });
    expect(await counted('u1', 'daily')).toEqual(['evt-1']);
    // ...but goes by email, counting against the daily cap only.
    expect(await caps.check(event(2), 'u1', 'email')).toEqual({ allowed: true });
    expect(await counted('u1', 'daily')).toEqual(['evt-1', 'evt-2']);
    expect(await caps.check(event(2), 'u1', 'sms')).toEqual({ allowed: false, cap: smsHourly, count: 1 });
    // An hour on, evt-2 may go by sms too, still counting once against the daily cap.
    t = start + HOUR + 1;
    expect(await caps.check(event(2), 'u1', 'sms')).toEqual({ allowed: true });
    expect(await counted('u1', 'daily')).toEqual(['evt-1', 'evt-2']);
    expect(await counted('u1', 'sms-hourly')).toEqual(['evt-2']);
    expect(await caps.check(event(3), 'u1', 'email')).toEqual({ allowed: true });
    // Both full: the first full cap in config order is named.
    expect(await caps.check(event(4), 'u1', 'sms')).toEqual({ allowed: false, cap: daily, count: 3 });
    expect(await caps.check(event(4), 'u1', 'email')).toEqual({ allowed: false, cap: daily, count: 3 });
  });

  it('admits exactly max events when 20 different ones are checked at once by two workers', async () => {
    const second = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
    try {
      const workers = [build([cap('daily', 5, DAY)]), build([cap('daily', 5, DAY)], second)];
      const decisions = await Promise.all(Array.from({ length: 20 }, (_, n) => workers[n % 2]!.check(event(n), 'u1', 'push')));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      expect(decisions.filter((d) => !d.allowed)).toHaveLength(15);
      expect(await counted('u1', 'daily')).toHaveLength(5);
    } finally {
      second.disconnect();
    }
  });

  it('lets bypass priorities through without counting them or calling Redis', async () => {
    const caps = build([cap('daily', 1, DAY)]);
    expect(await caps.check(event(1, { priority: 'critical' }), 'u1', 'sms')).toEqual({ allowed: true });
    expect(await infra.redis.exists(createKeys(infra.prefix).frequencyCap('u1', 'daily'))).toBe(0);
    expect(await caps.check(event(2), 'u1', 'sms')).toEqual({ allowed: true });
    expect(await caps.check(event(3), 'u1', 'sms')).toMatchObject({ allowed: false });
    expect(await caps.check(event(4, { priority: 'critical' }), 'u1', 'sms')).toEqual({ allowed: true });
  });

  it('counts only the categories a cap lists', async () => {
    const promo = cap('promo', 1, DAY, { categories: ['promo'] });
    const caps = build([promo]);
    expect(await caps.check(event(1, { category: 'promo' }), 'u1', 'email')).toEqual({ allowed: true });
    expect(await caps.check(event(2, { category: 'promo' }), 'u1', 'email')).toEqual({ allowed: false, cap: promo, count: 1 });
    expect(await caps.check(event(3, { category: 'receipts' }), 'u1', 'email')).toEqual({ allowed: true });
    expect(await caps.check(event(4), 'u1', 'email')).toEqual({ allowed: true });
    expect(await counted('u1', 'promo')).toEqual(['evt-1']);
  });
});
