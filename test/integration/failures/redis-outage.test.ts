import type { Admin } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import type { HeraldConfigInput } from '../../../src/config/schema';
import { captureLogger } from '../../support/capture-logger';
import { eventually, testKafka } from '../../support/infra';
import { countTopic } from '../../support/read-topic';
import { isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { startThrowawayRedis } from '../../support/throwaway-redis';
import { deliveryReaching } from './failure-support';

/**
 * Our own storage fails: the service runs on a Redis of the test's own, which the test kills and
 * starts again (empty) on the same port. The event's offset must not be committed while Redis is
 * down, nothing may be dead-lettered for it, and it must be delivered once Redis is back.
 */
describe('Redis outage under the worker', () => {
  let redis: Awaited<ReturnType<typeof startThrowawayRedis>>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let herald: TestService;
  let producer: HeraldProducer;
  let admin: Admin;
  let logs: ReturnType<typeof captureLogger>;

  const cleanups: (() => Promise<void>)[] = [];

  /** Starts a Redis of this test's own, an SMTP sink and the service on them (one partition: its committed offset is the whole story). */
  async function setup(overrides: HeraldConfigInput = {}): Promise<void> {
    redis = await startThrowawayRedis();
    cleanups.push(() => redis.kill());
    smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    logs = captureLogger();
    const config = isolatedConfig({ ...overrides, kafka: { partitions: 1 } });
    herald = await startTestService({ config, env: { REDIS_URL: redis.url, SMTP_URL: smtp.url }, logger: logs.logger });
    cleanups.push(() => herald.stop());
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    admin = testKafka().admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
  }

  afterEach(async () => {
    smtp?.release();
    // The service stops cleanly only with its Redis up.
    if (redis && !redis.isRunning()) await redis.restart();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const committed = async () => {
    const [topic] = await admin.fetchOffsets({ groupId: herald.env.KAFKA_GROUP_ID, topics: [herald.config.kafka.topics.incoming] });
    return Number(topic!.partitions[0]!.offset);
  };
  const retriesInPlace = () => logs.lines().filter((l) => l.message === 'message handling failed; retrying in place' && l.offset === '0').length;
  const publish = (address: string) =>
    producer.publish({ type: 'transactional', priority: 'critical', recipients: [`email:${address}`], channels: ['email'], payload: { message: 'hello' } });

  it('Redis down before the event arrives: offset held, nothing sent, then delivered exactly once when Redis is back', async () => {
    await setup();
    await redis.kill();
    const { id } = await publish('before@example.com');

    // The second try fails only once ioredis gives up on its commands a second time: they wait in the
    // offline queue behind the auto-pipeline already waiting there (one runs at a time), which ioredis
    // fails after every 4th reconnect attempt (maxRetriesPerRequest 3), at about 6 s and 20 s.
    await eventually(async () => retriesInPlace() >= 2, 'the worker to retry the event in place twice', 45_000);
    // Well past the 1 s auto-commit interval.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await committed()).toBe(-1);
    expect(smtp.rcptAttempts('before@example.com')).toBe(0);

    await redis.restart();
    await eventually(async () => (await committed()) === 1, 'offset 1 committed once Redis is back', 30_000);
    expect(await deliveryReaching(herald.service, id, 'email', 'sent')).toMatchObject({ attempts: 1 });
    expect(smtp.countTo('before@example.com')).toBe(1);
    expect(await countTopic(herald.config.kafka.topics.dlq)).toBe(0);
  });

  it("Redis dies while the email is in the provider's hands: the sent record is retried until Redis is back, nothing dead-lettered, one email", async () => {
    await setup();
    smtp.hold('during@example.com');
    const { id } = await publish('during@example.com');
    await eventually(async () => smtp.waitingCount() === 1, 'the email in flight');
    await redis.kill();
    // The provider accepts; writing `sent` then fails. That is our storage failing, not the provider:
    // the worker keeps retrying that one write (for up to half a send lease) instead of giving up.
    smtp.release();

    await eventually(
      async () => logs.lines().some((l) => l.message === 'could not record a sent delivery; retrying' && l.eventId === id),
      'the sent write to be retried',
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect(await committed()).toBe(-1);
    expect(await countTopic(herald.config.kafka.topics.dlq)).toBe(0);
    expect(logs.lines().filter((l) => l.decision === 'dead-lettered')).toEqual([]);

    await redis.restart();
    await eventually(async () => (await committed()) === 1, 'offset 1 committed once Redis is back', 30_000);
    await deliveryReaching(herald.service, id, 'email', 'sent');
    expect(await countTopic(herald.config.kafka.topics.dlq)).toBe(0);
    // The write landed once Redis answered, so the event was not redone: one email, not the duplicate
    // a lost `sent` record would cause (docs/architecture.md, "the one window").
    expect(smtp.countTo('during@example.com')).toBe(1);
  });

  it(
    'Redis dies between a transient failure and storing its retry: the retry store being down is not a delivery failure, the email ' +
      'goes out once when Redis is back',
    async () => {
      await setup({ channels: { email: { rateLimit: { perSecond: 100 }, retry: { baseDelayMs: 100, maxDelayMs: 200 } } }, retries: { pollIntervalMs: 100 } });
      smtp.hold('between@example.com');
      const { id } = await publish('between@example.com');
      await eventually(async () => smtp.waitingCount() === 1, 'the first attempt in flight');
      await redis.kill();
      // 451 to the first attempt: retriable, so it must go to the retry store, which is in the dead Redis.
      smtp.release(false);

      await eventually(async () => retriesInPlace() >= 1, 'the worker to retry the event in place');
      await new Promise((r) => setTimeout(r, 2500));
      expect(logs.lines().filter((l) => l.eventId === id && l.decision === 'deferred')).toHaveLength(0);
      expect(await committed()).toBe(-1);
      expect(await countTopic(herald.config.kafka.topics.dlq)).toBe(0);
      expect(logs.lines().filter((l) => l.decision === 'dead-lettered')).toEqual([]);

      await redis.restart();
      await eventually(async () => (await committed()) === 1, 'offset 1 committed once Redis is back', 30_000);
      // The retried event takes over this worker's own stale lease at once instead of waiting it out.
      await deliveryReaching(herald.service, id, 'email', 'sent');
      expect(smtp.countTo('between@example.com')).toBe(1);
      expect(await countTopic(herald.config.kafka.topics.dlq)).toBe(0);
    },
  );
});
