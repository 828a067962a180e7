import { HeraldProducer } from '../../../src/client/herald-producer';
import { systemClock } from '../../../src/shared/clock';
import { completeEvent } from '../../../src/contract/complete-event';
import { createRetryStore, retryItemOf } from '../../../src/retries/retry-store';
import { createKeys } from '../../../src/redis/keys';
import { eventually, testKafka, testRedis, uniqueName } from '../../support/infra';
import { startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { addMinutes, holdsUntil, isolatedLanes, notificationOf, putUser, settledDeliveries, sleep, wallTimeIn } from '../worker/time-support';
import { deliveryReaching } from './failure-support';

/**
 * Every send re-checks, right before the provider call, what the first try checked: the channel
 * enabled, the person's opt-outs, the frequency caps and quiet hours. Before, only the first try
 * did: a retry went out to a person who had opted out since, into their quiet hours, and a retry
 * item written by anything but the planner skipped caps and disabled channels alike.
 */
describe('send-time checks on retries and digests', () => {
  let redis: ReturnType<typeof testRedis>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let herald: TestService;
  let producer: HeraldProducer;
  const config = isolatedLanes({
    kafka: { partitions: 1 },
    channels: { email: { retry: { baseDelayMs: 50, maxDelayMs: 100 }, breaker: { volumeThreshold: 1_000 } }, sms: { enabled: false } },
    quietHours: { channels: ['email', 'sms', 'push'] },
    retries: { pollIntervalMs: 100, detachAfterMs: 60_000 },
    frequencyCaps: [{ name: 'one-news-a-day', types: ['marketing'], categories: ['news'], channels: ['email'], max: 1, window: '1d' }],
    batching: {
      pollIntervalMs: 200,
      rules: [{ name: 'email-digest', channel: 'email', types: ['marketing'], categories: ['promo', 'tips'], window: { every: '3s' } }],
    },
    digestTemplates: { email: { subject: '{{count}} updates', text: '{{#each items}}* {{title}}\n{{/each}}' } },
  });

  beforeAll(async () => {
    redis = testRedis();
    smtp = await startSmtpSink();
    herald = await startTestService({ config, prefix: redis.prefix, env: { SMTP_URL: smtp.url } });
    producer = new HeraldProducer({ kafka: testKafka(), topic: config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
    await smtp?.close();
    await redis?.cleanup();
  });

  /** Publishes one email to `user`, holds it at the SMTP server, runs `meanwhile`, then refuses it with a 451 so it is retried. */
  async function failOnceAfter(user: string, meanwhile: () => Promise<void>): Promise<string> {
    const address = `${user}@example.com`;
    smtp.hold(address);
    const { id } = await producer.publish({
      type: 'transactional',
      priority: 'high',
      recipients: [user],
      channels: ['email'],
      payload: { title: 'Receipt', message: 'Paid' },
    });
    await eventually(async () => smtp.waitingCount() > 0, 'the first try to reach the SMTP server');
    await meanwhile();
    smtp.release(false, 451);
    return id;
  }

  it('a retry to a person who opted out of email since the first try is skipped, never sent', async () => {
    const user = uniqueName('changed-mind');
    await putUser(herald.service, user, { email: `${user}@example.com` });
    const id = await failOnceAfter(user, () => putUser(herald.service, user, { email: `${user}@example.com`, preferences: { channels: { email: false } } }));
    const [record] = await settledDeliveries(herald.service, id, 1, (d) => d.status === 'skipped');
    expect(record).toMatchObject({ status: 'skipped', reason: 'opted_out_channel' });
    expect(smtp.rcptAttempts(`${user}@example.com`)).toBe(1);
    expect(smtp.countTo(`${user}@example.com`)).toBe(0);
  });

  it('a retry that comes due inside quiet hours set since waits for their end, using no attempt', async () => {
    const user = uniqueName('asleep');
    await putUser(herald.service, user, { email: `${user}@example.com` });
    const now = Date.now();
    const quietHours = { start: wallTimeIn(now - 60_000, 'UTC'), end: addMinutes(wallTimeIn(now, 'UTC'), 90) };
    const id = await failOnceAfter(user, () => putUser(herald.service, user, { email: `${user}@example.com`, timeZone: 'UTC', quietHours }));
    const record = await deliveryReachingReason(id, 'quiet_hours');
    expect(record).toMatchObject({ status: 'deferred', reason: 'quiet_hours', attempts: 1 });
    expect(Date.parse(record.nextAttemptAt!)).toBeGreaterThan(Date.now() + 60 * 60_000);
    await holdsUntil(Date.now() + 1_500, async () => smtp.rcptAttempts(`${user}@example.com`) === 1, 'no second try inside quiet hours');
  });

  /** Waits until the delivery is deferred with `reason` (a retry may first show the smtp_transient deferral). */
  async function deliveryReachingReason(id: string, reason: string) {
    return eventually(async () => {
      const record = (await notificationOf(herald.service, id))?.deliveries.find((d) => d.channel === 'email');
      return record?.status === 'deferred' && record.reason === reason ? record : undefined;
    }, `${id} deferred for ${reason}`);
  }

  it('a retry item no plan wrote (a disabled channel, an uncounted event over its cap) is skipped at send time', async () => {
    const user = uniqueName('capped');
    await putUser(herald.service, user, { email: `${user}@example.com`, phone: '+14155550199' });
    // The first news email of the day goes out and counts against the cap.
    const counted = await producer.publish({
      type: 'marketing',
      priority: 'normal',
      category: 'news',
      recipients: [user],
      channels: ['email'],
      payload: { title: 'News 1', message: 'm' },
    });
    await deliveryReaching(herald.service, counted.id, 'email', 'sent');
    // Retries written straight into the store, as nothing but the planner should: one over the cap, one on a disabled channel.
    const retries = createRetryStore({ redis: redis.redis, keys: createKeys(redis.prefix), clock: systemClock });
    const overCap = completeEvent(
      { type: 'marketing', priority: 'normal', category: 'news', recipients: [user], channels: ['email'], payload: { title: 'News 2', message: 'm' } },
      systemClock,
    );
    const disabled = completeEvent(
      { type: 'transactional', priority: 'high', recipients: [user], channels: ['sms'], payload: { title: 'Code', message: '1234' } },
      systemClock,
    );
    const error = { code: 'smtp_transient', message: 'queued by the test' };
    await retries.schedule(retryItemOf(overCap, { recipientId: user, source: user }, 'email', 1, error, Date.now()), Date.now());
    await retries.schedule(retryItemOf(disabled, { recipientId: user, source: user }, 'sms', 1, error, Date.now()), Date.now());
    expect((await settledDeliveries(herald.service, overCap.id, 1, (d) => d.status === 'skipped'))[0]).toMatchObject({ reason: 'frequency_capped' });
    expect((await settledDeliveries(herald.service, disabled.id, 1, (d) => d.status === 'skipped'))[0]).toMatchObject({ reason: 'channel_disabled' });
    expect(smtp.countTo(`${user}@example.com`)).toBe(1);
    expect(herald.outboxFiles('sms')).toHaveLength(0);
  });

  it('a digest leaves out the items of a category the person opted out of after they were batched', async () => {
    const user = uniqueName('digest-reader');
    const address = `${user}@example.com`;
    await putUser(herald.service, user, { email: address });
    const promo = await producer.publish({
      type: 'marketing',
      priority: 'low',
      category: 'promo',
      recipients: [user],
      channels: ['email'],
      payload: { title: 'Half price', message: 'm' },
    });
    const tips = await producer.publish({
      type: 'marketing',
      priority: 'low',
      category: 'tips',
      recipients: [user],
      channels: ['email'],
      payload: { title: 'Three tips', message: 'm' },
    });
    await deliveryReaching(herald.service, promo.id, 'email', 'batched');
    await deliveryReaching(herald.service, tips.id, 'email', 'batched');
    await putUser(herald.service, user, { email: address, preferences: { categories: { promo: false } } });
    expect((await settledDeliveries(herald.service, promo.id, 1, (d) => d.status === 'skipped', 15_000))[0]).toMatchObject({ reason: 'opted_out_category' });
    expect((await settledDeliveries(herald.service, tips.id, 1, (d) => d.status === 'sent', 15_000))[0]!.digestId).toBeDefined();
    const [digest] = smtp.accepted.filter((m) => m.to.includes(address));
    expect(digest?.raw).toContain('Three tips');
    expect(digest?.raw).not.toContain('Half price');
    await sleep(500);
    expect(smtp.countTo(address)).toBe(1);
  });
});
