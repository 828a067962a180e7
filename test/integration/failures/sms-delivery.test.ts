import type { Admin } from 'kafkajs';
import { captureLogger } from '../../support/capture-logger';
import { eventually, testKafka } from '../../support/infra';
import { countTopic } from '../../support/read-topic';
import { api, isolatedConfig } from '../../support/service-harness';
import { startTwilioServer, type TwilioServer } from '../../support/twilio-server';
import { deadLettersOf, deliveryReaching } from './failure-support';
import {
  SMS_FROM,
  deleteKeys,
  expectNoPhone,
  metricValue,
  metricsText,
  publishSms,
  requestsTo,
  smsUser,
  startSmsHerald,
  statusChangesOf,
  type SmsHerald,
} from './sms-support';

/**
 * SMS end to end through the real service: a real Kafka broker and Redis, the real twilio SDK
 * talking to a local Twilio-compatible server that answers what each test scripts.
 */
describe('SMS through Twilio: retriable answers', () => {
  let twilio: TwilioServer;
  let herald: SmsHerald;
  let admin: Admin;
  const logs = captureLogger();

  beforeAll(async () => {
    twilio = await startTwilioServer();
    const config = isolatedConfig({
      // Quick retries from the retry store; a breaker that never opens, so each test sees the answer it scripted.
      // A call unanswered for 500 ms is a timeout (the SDK itself would wait 10 s).
      channels: { sms: { maxAttempts: 5, retry: { baseDelayMs: 100, maxDelayMs: 300 }, breaker: { volumeThreshold: 1_000, timeoutMs: 500 } } },
      retries: { pollIntervalMs: 100 },
    });
    herald = await startSmsHerald({ config, twilio, logger: logs.logger });
    admin = testKafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await herald?.close();
    await twilio?.close();
    if (herald) await deleteKeys(herald.prefix);
  });

  /** Offsets the service's group committed on the incoming topic, summed over partitions. */
  async function committedTotal(): Promise<number> {
    const [topic] = await admin.fetchOffsets({ groupId: herald.env.KAFKA_GROUP_ID, topics: [herald.config.kafka.topics.incoming] });
    return topic!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }

  const decisions = (eventId: string, decision: string) => logs.lines().filter((l) => l.eventId === eventId && l.decision === decision);

  it('503 twice, then accepted: sent once on the third attempt, the event committed while it waited', async () => {
    const { id, phone } = await smsUser(herald, 'sms-503');
    twilio.failNext(503);
    // The second 503 asks for a second's wait: time enough to look at the committed offset before the last try.
    twilio.failNext(503, 1, { 'retry-after': '1' });
    const { id: eventId } = await publishSms(herald, id);

    await eventually(async () => requestsTo(twilio, phone).length === 2, 'the second 503');
    const incoming = await countTopic(herald.config.kafka.topics.incoming);
    await eventually(async () => (await committedTotal()) === incoming, `every incoming offset (${incoming}) committed`, 900);
    // Committed before the final send: the delivery waits in the retry store, not on the partition.
    expect(requestsTo(twilio, phone)).toHaveLength(2);

    const record = await deliveryReaching(herald.service, eventId, 'sms', 'sent');
    const requests = requestsTo(twilio, phone);
    expect(requests.map((r) => r.status)).toEqual([503, 503, 201]);
    expect(requests[2]!.at - requests[1]!.at).toBeGreaterThanOrEqual(1_000);
    expect(requests[2]!.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(record).toMatchObject({ recipientId: id, provider: 'twilio', attempts: 3, providerMessageId: requests[2]!.sid });
    expect(requests.every((r) => r.authorized && r.form.From === SMS_FROM && r.form.Body === 'Your code is 4711')).toBe(true);

    const changes = await statusChangesOf(herald.config.kafka.topics.status, eventId);
    expect(changes.map((c) => [c.status, c.attempts])).toEqual([
      ['pending', 0],
      ['deferred', 1],
      ['deferred', 2],
      ['sent', 3],
    ]);
    expect(changes[1]).toMatchObject({ recipientId: id, channel: 'sms', provider: 'twilio', reason: 'http_503' });
    expect(changes[3]).toMatchObject({ provider: 'twilio', providerMessageId: requests[2]!.sid });
    // Each next attempt is after the failed one; the second waits out Retry-After. (Not after the change's `at`: with full
    // jitter the first wait can be a few ms, shorter than the retry-store and ledger writes that come before `at` is taken.)
    expect(Date.parse(changes[1]!.nextAttemptAt)).toBeGreaterThan(requests[0]!.at);
    expect(Date.parse(changes[2]!.nextAttemptAt)).toBeGreaterThanOrEqual(requests[1]!.at + 1_000);
    expect(await deadLettersOf(herald.config.kafka.topics.dlq, eventId)).toEqual([]);
    expect(decisions(eventId, 'deferred')).toHaveLength(2);
    expect(decisions(eventId, 'sent')).toEqual([expect.objectContaining({ recipientId: id, channel: 'sms', attempts: 3 })]);
    expectNoPhone(logs.text(), phone);
  });

  it('429 with Retry-After: 2 pauses Twilio for every delivery for 2 s, then both are sent once', async () => {
    const first = await smsUser(herald, 'sms-429-first');
    const second = await smsUser(herald, 'sms-429-second');
    const scheduledBefore = await metricsText(herald);
    twilio.reply429(2);
    const { id: firstEvent } = await publishSms(herald, first.id);
    const limited = await eventually(async () => requestsTo(twilio, first.phone).find((r) => r.status === 429), 'the 429');
    // Deferred means the pause is stored (it is written before the deferral): the second event comes right after.
    await deliveryReaching(herald.service, firstEvent, 'sms', 'deferred');
    const { id: secondEvent } = await publishSms(herald, second.id);

    // The second delivery never calls Twilio during the pause: it waits without using an attempt.
    const waiting = await deliveryReaching(herald.service, secondEvent, 'sms', 'deferred');
    expect(waiting).toMatchObject({ reason: 'provider_paused', attempts: 0 });
    expect(Date.parse(waiting.nextAttemptAt!)).toBeGreaterThanOrEqual(limited.at + 2_000);

    const firstSent = await deliveryReaching(herald.service, firstEvent, 'sms', 'sent');
    const secondSent = await deliveryReaching(herald.service, secondEvent, 'sms', 'sent');
    const after = twilio.requests.slice(twilio.requests.indexOf(limited) + 1);
    expect(after.map((r) => [r.form.To, r.status]).sort()).toEqual([first.phone, second.phone].sort().map((p) => [p, 201]));
    for (const request of after) expect(request.at - limited.at).toBeGreaterThanOrEqual(2_000);

    expect(requestsTo(twilio, first.phone).map((r) => r.status)).toEqual([429, 201]);
    expect(requestsTo(twilio, second.phone).map((r) => r.status)).toEqual([201]);
    expect(firstSent).toMatchObject({ attempts: 2, providerMessageId: requestsTo(twilio, first.phone)[1]!.sid });
    expect(secondSent).toMatchObject({ attempts: 1, providerMessageId: requestsTo(twilio, second.phone)[0]!.sid });

    const firstChanges = await statusChangesOf(herald.config.kafka.topics.status, firstEvent);
    expect(firstChanges.map((c) => [c.status, c.reason])).toEqual([
      ['pending', undefined],
      ['deferred', 'rate_limited'],
      ['sent', undefined],
    ]);
    expect(Date.parse(firstChanges[1]!.nextAttemptAt)).toBeGreaterThanOrEqual(limited.at + 2_000);
    const secondChanges = await statusChangesOf(herald.config.kafka.topics.status, secondEvent);
    expect(secondChanges.map((c) => [c.status, c.reason])).toEqual([
      ['pending', undefined],
      ['deferred', 'provider_paused'],
      ['sent', undefined],
    ]);

    expect(logs.lines().filter((l) => l.decision === 'paused')).toEqual([expect.objectContaining({ channel: 'sms', provider: 'twilio', pauseMs: 2_000 })]);
    const scheduled = await metricsText(herald);
    const delta = (reason: string) =>
      (metricValue(scheduled, 'herald_retries_scheduled_total', { channel: 'sms', reason }) ?? 0) -
      (metricValue(scheduledBefore, 'herald_retries_scheduled_total', { channel: 'sms', reason }) ?? 0);
    expect([delta('rate_limited'), delta('provider_paused')]).toEqual([1, 1]);
  });

  it('503 on every attempt: dead-lettered http_503 after maxAttempts, retriable, nothing accepted', async () => {
    const { id, phone } = await smsUser(herald, 'sms-503-always');
    twilio.failNext(503, 5);
    const { id: eventId } = await publishSms(herald, id);

    const record = await deliveryReaching(herald.service, eventId, 'sms', 'dead-lettered');
    expect(record).toMatchObject({ recipientId: id, provider: 'twilio', attempts: 5, reason: 'http_503' });
    expect(requestsTo(twilio, phone).map((r) => r.status)).toEqual([503, 503, 503, 503, 503]);
    const letters = await deadLettersOf(herald.config.kafka.topics.dlq, eventId);
    expect(letters.map((l) => [l.value.reason, l.value.delivery])).toEqual([
      ['http_503', { recipientId: id, channel: 'sms', provider: 'twilio', attempts: 5, retriable: true }],
    ]);
    expectNoPhone(JSON.stringify(letters[0]), phone);
    const changes = await statusChangesOf(herald.config.kafka.topics.status, eventId);
    expect(changes.map((c) => [c.status, c.attempts])).toEqual([
      ['pending', 0],
      ['deferred', 1],
      ['deferred', 2],
      ['deferred', 3],
      ['deferred', 4],
      ['dead-lettered', 5],
    ]);
    const ready = await api(herald.service, 'GET', '/readyz');
    expect(ready.body.checks.retries.waiting.sms).toBe(0);
  });

  it(
    "no answer: counted against the breaker after breaker.timeoutMs, deferred with the SDK's own timeout " + '(provider_unreachable), then sent by the retry',
    async () => {
      const { id, phone } = await smsUser(herald, 'sms-hang');
      twilio.hangNext();
      const { id: eventId } = await publishSms(herald, id);

      const record = await deliveryReaching(herald.service, eventId, 'sms', 'sent');
      const requests = requestsTo(twilio, phone);
      // The first call was never answered: past the 500 ms breaker timeout it waited for the SDK's own (10 s), then the retry went out.
      expect(requests.map((r) => r.status)).toEqual([undefined, 201]);
      expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(500);
      expect(record).toMatchObject({ attempts: 2, providerMessageId: requests[1]!.sid });
      const changes = await statusChangesOf(herald.config.kafka.topics.status, eventId);
      expect(changes.map((c) => [c.status, c.reason])).toEqual([
        ['pending', undefined],
        ['deferred', 'provider_unreachable'],
        ['sent', undefined],
      ]);
    },
  );
});
