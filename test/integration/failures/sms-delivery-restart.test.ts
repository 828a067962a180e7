import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { createKeys } from '../../../src/redis/keys';
import { captureLogger } from '../../support/capture-logger';
import { TEST_REDIS_URL, eventually, testKafka, uniqueName } from '../../support/infra';
import { api, isolatedConfig } from '../../support/service-harness';
import { startTwilioServer, type TwilioServer } from '../../support/twilio-server';
import { deadLettersOf, deliveryReaching } from './failure-support';
import { deleteKeys, publishSms, requestsTo, smsDelivery, smsUser, startSmsHerald, statusChangesOf, type SmsHerald } from './sms-support';

/**
 * The retry store outlives the worker: deliveries deferred by one worker are sent by the next one
 * started with the same key prefix and consumer group, exactly once each.
 */
describe('SMS retries survive a worker restart', () => {
  let twilio: TwilioServer;
  let redis: Redis;
  let admin: Admin;
  const heralds: SmsHerald[] = [];
  const prefix = uniqueName('herald');

  beforeAll(async () => {
    twilio = await startTwilioServer();
    redis = new Redis(TEST_REDIS_URL);
    admin = testKafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const herald of heralds.splice(0)) await herald.close();
    await admin?.disconnect();
    await twilio?.close();
    redis?.disconnect();
    await deleteKeys(prefix);
  });

  it('three SMS deferred by worker A (Twilio 503) are sent once each by worker B after A stops', async () => {
    const config = isolatedConfig({
      // Attempts enough to keep failing while A runs; quick retries; a breaker that never opens.
      channels: { sms: { maxAttempts: 50, retry: { baseDelayMs: 200, maxDelayMs: 500 }, breaker: { volumeThreshold: 1_000 } } },
      retries: { pollIntervalMs: 100 },
    });
    const groupId = uniqueName('group');
    const retryDue = createKeys(prefix).retryDue('sms');
    const logsA = captureLogger();
    const logsB = captureLogger();
    const committedTotal = async () => {
      const [topic] = await admin.fetchOffsets({ groupId, topics: [config.kafka.topics.incoming] });
      return topic!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };

    twilio.failNext(503, 100_000);
    const a = await startSmsHerald({ config, twilio, prefix, groupId, logger: logsA.logger });
    heralds.push(a);
    const users = await Promise.all([1, 2, 3].map((i) => smsUser(a, `sms-restart-${i}`)));
    const events: string[] = [];
    for (const user of users) events.push((await publishSms(a, user.id)).id);

    await eventually(async () => {
      const states = await Promise.all(events.map((e) => smsDelivery(a, e)));
      return states.every((s) => s?.status === 'deferred' && s.attempts >= 1);
    }, 'all three deliveries deferred by A');
    const ready = await api(a.service, 'GET', '/readyz');
    expect(ready.body.checks.retries.waiting.sms).toBe(3);
    expect(await redis.zcard(retryDue)).toBe(3);
    // The events are done as far as Kafka is concerned: the retry store holds them, not the partition.
    await eventually(async () => (await committedTotal()) === 3, 'A to commit the three offsets', 5_000);

    await a.close();
    heralds.splice(heralds.indexOf(a), 1);
    const duringA = twilio.requests.length;
    expect(twilio.requests.every((r) => r.status === 503)).toBe(true);
    expect(await redis.zcard(retryDue)).toBe(3);

    twilio.recover();
    const b = await startSmsHerald({ config, twilio, prefix, groupId, logger: logsB.logger });
    heralds.push(b);
    const sent = await Promise.all(events.map((e) => deliveryReaching(b.service, e, 'sms', 'sent')));
    await eventually(async () => (await redis.zcard(retryDue)) === 0, 'the retry store to empty');
    // Time for a duplicate to show up (an in-flight deferral comes back after 1 s) before counting.
    await new Promise((r) => setTimeout(r, 1_500));

    expect(twilio.requests.slice(duringA).map((r) => r.status)).toEqual([201, 201, 201]);
    users.forEach((user, i) => {
      const accepted = requestsTo(twilio, user.phone).filter((r) => r.status === 201);
      expect(accepted).toHaveLength(1);
      expect(sent[i]).toMatchObject({
        recipientId: user.id,
        provider: 'twilio',
        providerMessageId: accepted[0]!.sid,
        attempts: requestsTo(twilio, user.phone).length,
      });
    });
    expect(await redis.zcard(retryDue)).toBe(0);
    expect((await api(b.service, 'GET', '/readyz')).body.checks.retries.waiting.sms).toBe(0);
    // B took them from the retry store, not by consuming the events again.
    expect(logsB.lines().filter((l) => l.decision === 'routed')).toEqual([]);
    for (const [i, eventId] of events.entries()) {
      const changes = await statusChangesOf(config.kafka.topics.status, eventId);
      expect(changes.filter((c) => c.status === 'sent')).toEqual([
        expect.objectContaining({ recipientId: users[i]!.id, providerMessageId: sent[i]!.providerMessageId }),
      ]);
      expect(await deadLettersOf(config.kafka.topics.dlq, eventId)).toEqual([]);
    }
  });
});
