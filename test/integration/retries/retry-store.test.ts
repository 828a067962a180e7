import { sampleEventV2 } from '../stores/retry-fixtures';
import { createRetryStore, type RetryItem } from '../../../src/retries/retry-store';
import { createKeys } from '../../../src/redis/keys';
import { testRedis } from '../../support/infra';

describe('durable retry store on real Redis', () => {
  let infra: ReturnType<typeof testRedis>;
  let t: number;
  const clock = { now: () => t };
  beforeEach(() => {
    infra = testRedis();
    t = Date.UTC(2026, 10, 21, 9, 0, 0);
  });
  afterEach(() => infra.cleanup());

  const item = (n: number, channel: RetryItem['channel'] = 'sms'): RetryItem => ({
    deliveryId: `evt-${n}|u${n}|${channel}`,
    event: sampleEventV2(`evt-${n}`),
    channel,
    recipientId: `u${n}`,
    recipient: `u${n}`,
    attempts: 1,
    lastError: { code: 'http_503', message: 'Twilio Messages API failed with 503' },
    deferredAt: new Date(t).toISOString(),
  });

  it('hands out a retry only once it is due, with everything needed to send it again', async () => {
    const store = createRetryStore({ redis: infra.redis, keys: createKeys(infra.prefix), clock });
    const scheduled = item(1);
    await store.schedule(scheduled, t + 1_000);
    expect(await store.claimDue('sms', 10, 60_000)).toEqual([]);
    t += 1_000;
    const [claimed] = await store.claimDue('sms', 10, 60_000);
    expect(claimed).toEqual(scheduled);
    expect(claimed!.event.payload).toEqual(sampleEventV2('evt-1').payload);
  });

  it('keeps a claimed retry for the lease, so a worker that dies with it loses nothing', async () => {
    const store = createRetryStore({ redis: infra.redis, keys: createKeys(infra.prefix), clock });
    await store.schedule(item(1), t);
    expect(await store.claimDue('sms', 10, 30_000)).toHaveLength(1);
    // A second worker polling during the lease sees nothing...
    expect(await store.claimDue('sms', 10, 30_000)).toHaveLength(0);
    // ...and takes it over once the lease has run out.
    t += 30_000;
    expect(await store.claimDue('sms', 10, 30_000)).toHaveLength(1);
    expect(await store.depth(['sms', 'email'])).toEqual({ sms: 1, email: 0 });
  });

  it('replaces a rescheduled retry instead of duplicating it, and forgets a completed one', async () => {
    const store = createRetryStore({ redis: infra.redis, keys: createKeys(infra.prefix), clock });
    await store.schedule(item(1), t);
    await store.schedule({ ...item(1), attempts: 2 }, t + 5_000);
    expect(await store.depth(['sms'])).toEqual({ sms: 1 });
    expect(await store.dueAt('sms', item(1).deliveryId)).toBe(t + 5_000);
    t += 5_000;
    const [again] = await store.claimDue('sms', 10, 1_000);
    expect(again!.attempts).toBe(2);
    await store.complete('sms', item(1).deliveryId);
    t += 10_000;
    expect(await store.claimDue('sms', 10, 1_000)).toEqual([]);
    expect(await store.dueAt('sms', item(1).deliveryId)).toBeNull();
  });

  it('keeps channels apart and claims the oldest due first, at most the batch size', async () => {
    const store = createRetryStore({ redis: infra.redis, keys: createKeys(infra.prefix), clock });
    for (let n = 1; n <= 5; n++) await store.schedule(item(n), t - n * 10);
    await store.schedule(item(9, 'email'), t);
    const first = await store.claimDue('sms', 2, 60_000);
    expect(first.map((i) => i.deliveryId)).toEqual([item(5).deliveryId, item(4).deliveryId]);
    expect((await store.claimDue('email', 10, 60_000)).map((i) => i.channel)).toEqual(['email']);
    expect(await store.claimDue('sms', 10, 60_000)).toHaveLength(3);
  });
});
