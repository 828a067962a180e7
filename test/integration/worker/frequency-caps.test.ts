import { readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Producer } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { toEventMessage } from '../../../src/client/event-message';
import { systemClock } from '../../../src/shared/clock';
import type { EventInput } from '../../../src/contract/complete-event';
import type { StatusChange } from '../../../src/delivery-state/types';
import { captureLogger } from '../../support/capture-logger';
import { readWholeTopic } from '../../support/read-topic';
import { eventually, testKafka, testRedis, uniqueName } from '../../support/infra';
import { startTestService, type TestService } from '../../support/service-harness';
import { inboxEventIds, isolatedLanes, outcomes, putUser, settledDeliveries } from './time-support';

/**
 * Frequency caps on the real service, counted in Redis: at most three marketing events a day per
 * recipient on in-app and push (over it: dropped), at most two marketing emails a day (over it:
 * folded into the next email digest). Critical events bypass; other types are not counted.
 */
describe('frequency caps', () => {
  let redis: ReturnType<typeof testRedis>;
  const config = isolatedLanes({
    frequencyCaps: [
      { name: 'marketing-daily', types: ['marketing'], channels: ['in_app', 'push'], max: 3, window: '1d' },
      { name: 'marketing-email', types: ['marketing'], channels: ['email'], max: 2, window: '1d', onExceed: 'digest' },
    ],
    // The only email digest rule batches alerts, so marketing email goes out at once until its cap folds it into this rule's digest.
    batching: { rules: [{ name: 'email-alerts', channel: 'email', types: ['alert'], window: { every: '4s' } }] },
    digestTemplates: { email: { subject: '{{count}} more updates', text: '{{#each items}}* {{title}}\n{{/each}}' } },
  });
  const groupId = uniqueName('caps-group');
  const running: TestService[] = [];
  let herald: TestService;
  let producer: HeraldProducer;

  beforeAll(async () => {
    redis = testRedis();
    herald = await startTestService({ config, groupId, prefix: redis.prefix });
    running.push(herald);
    producer = new HeraldProducer({ kafka: testKafka(), topic: config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    for (const service of running) await service.stop();
    await redis.cleanup();
  });

  const marketing = (recipient: string, title: string, extra: Partial<EventInput> = {}): EventInput => ({
    type: 'marketing',
    priority: 'normal',
    recipients: [recipient],
    channels: ['in_app'],
    payload: { title, message: `${title}: everything half price` },
    ...extra,
  });

  it('sends the first three marketing events of the day and skips the other two as frequency_capped; transactional and critical still go', async () => {
    await putUser(herald.service, 'u-cap', { locale: 'en' });
    const ids: string[] = [];
    // One recipient, so one partition: consumed in publishing order.
    for (let i = 1; i <= 5; i++) ids.push((await producer.publish(marketing('u-cap', `Sale ${i}`))).id);
    const receipt = await producer.publish(marketing('u-cap', 'Receipt', { type: 'transactional' }));
    const urgent = await producer.publish(marketing('u-cap', 'Last hour', { priority: 'critical' }));

    const results = [];
    for (const id of ids) results.push((await settledDeliveries(herald.service, id, 1, (d) => d.status !== 'sent'))[0]!);
    expect(results.map((r) => `${r.status}:${r.reason ?? ''}`)).toEqual([
      'delivered:',
      'delivered:',
      'delivered:',
      'skipped:frequency_capped',
      'skipped:frequency_capped',
    ]);
    expect(results[3]!.detail).toBe('frequency cap marketing-daily: 3 of 3 in the window already');
    expect(outcomes(await settledDeliveries(herald.service, receipt.id, 1, (d) => d.status !== 'sent'))).toEqual({ 'u-cap|in_app': 'delivered:' });
    expect(outcomes(await settledDeliveries(herald.service, urgent.id, 1, (d) => d.status !== 'sent'))).toEqual({ 'u-cap|in_app': 'delivered:' });
    expect((await inboxEventIds(herald.service, 'u-cap')).sort()).toEqual([...ids.slice(0, 3), receipt.id, urgent.id].sort());
  });

  it('counts an event on two channels once', async () => {
    await putUser(herald.service, 'u-two', { pushTokens: ['tok-two'] });
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) ids.push((await producer.publish(marketing('u-two', `Offer ${i}`, { channels: ['in_app', 'push'] }))).id);
    const results = [];
    for (const id of ids) results.push(outcomes(await settledDeliveries(herald.service, id, 2, (d) => d.status !== 'sent' || d.channel === 'push')));
    const sent = { 'u-two|in_app': 'delivered:', 'u-two|push': 'sent:' };
    expect(results).toEqual([sent, sent, sent, { 'u-two|in_app': 'skipped:frequency_capped', 'u-two|push': 'skipped:frequency_capped' }]);
    expect(herald.outboxFiles('push')).toHaveLength(3);
  });

  it('folds marketing email over its cap into the next digest (onExceed: digest)', async () => {
    await putUser(herald.service, 'u-mail', { email: 'mail@example.com' });
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) ids.push((await producer.publish(marketing('u-mail', `Deal ${i}`, { channels: ['email'] }))).id);

    const results = [];
    for (const id of ids) results.push((await settledDeliveries(herald.service, id, 1, (d) => d.status === 'sent', 15_000))[0]!);
    expect(results.slice(0, 2).map((r) => r.digestId)).toEqual([undefined, undefined]);
    const digestIds = new Set(results.slice(2).map((r) => r.digestId));
    expect(digestIds.size).toBe(1);
    expect([...digestIds][0]).toEqual(expect.any(String));
    // On the way, the two over the cap were batched with the cap as the reason (the change feed keeps every step).
    const changes = (await readWholeTopic(config.kafka.topics.status)).map((m) => m.value as StatusChange);
    const batched = changes.filter((c) => c.status === 'batched');
    expect(batched.map((c) => [c.eventId, c.reason]).sort()).toEqual(
      ids
        .slice(2)
        .map((id) => [id, 'frequency_capped'])
        .sort(),
    );

    const files = herald.outboxFiles('email');
    expect(files).toHaveLength(3);
    const mails = await Promise.all(files.map((f) => simpleParser(readFileSync(path.join(herald.outboxDir, 'email', f)))));
    const digest = mails.find((m) => m.subject === '2 more updates');
    expect(digest?.text).toContain('* Deal 3');
    expect(digest?.text).toContain('* Deal 4');
    expect(mails.filter((m) => m !== digest).map((m) => m.text?.trim())).toEqual(
      expect.arrayContaining([expect.stringContaining('Deal 1'), expect.stringContaining('Deal 2')]),
    );
  });

  it('shares the cap between two workers: five events on three partitions, both workers handling some, still three sent', async () => {
    const logs = captureLogger();
    const second = await startTestService({ config, groupId, prefix: redis.prefix, logger: logs.logger });
    running.push(second);
    await eventually(async () => herald.service.isJoined() && second.service.isJoined(), 'both workers in the group');
    await putUser(herald.service, 'u-shared', { locale: 'en' });

    // High priority stays on the intake lane, and explicit partitions spread one recipient's events over every partition.
    const raw: Producer = testKafka().producer();
    await raw.connect();
    const ids: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const { event, message } = toEventMessage(marketing('u-shared', `Promo ${i + 1}`, { priority: 'high' }), systemClock);
        ids.push(event.id);
        await raw.send({ topic: config.kafka.topics.incoming, acks: -1, messages: [{ ...message, partition: i % config.kafka.partitions }] });
      }
    } finally {
      await raw.disconnect();
    }
    const results = [];
    for (const id of ids) results.push((await settledDeliveries(herald.service, id, 1, (d) => d.status !== 'sent'))[0]!);
    const statuses = results.map((r) => `${r.status}:${r.reason ?? ''}`);
    expect(statuses.filter((s) => s === 'delivered:')).toHaveLength(3);
    expect(statuses.filter((s) => s === 'skipped:frequency_capped')).toHaveLength(2);
    expect(await inboxEventIds(herald.service, 'u-shared')).toHaveLength(3);
    // The second worker handled some of them (it holds at least one of the three partitions).
    const handledBySecond = new Set(
      logs
        .lines()
        .filter((l) => l.decision === 'routed')
        .map((l) => String(l.eventId)),
    );
    expect(ids.some((id) => handledBySecond.has(id))).toBe(true);
    expect(ids.every((id) => handledBySecond.has(id))).toBe(false);
  });
});
