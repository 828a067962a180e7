import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { PublishError } from '../../../src/client/publish-error';
import type { EventInput } from '../../../src/contract/complete-event';
import { RetriableError, ValidationError } from '../../../src/shared/errors';
import { TEST_BROKERS, eventually, testKafka, uniqueName } from '../../support/infra';

const clock = { now: () => Date.UTC(2026, 0, 31, 9, 0, 0) };
const event = (recipients: string[], extra: Partial<EventInput> = {}): EventInput => ({
  type: 'transactional',
  priority: 'high',
  recipients,
  channels: ['email'],
  payload: { url: 'https://example.com/reset' },
  ...extra,
});

interface Received {
  partition: number;
  offset: string;
  key: string | undefined;
  value: unknown;
  headers: Record<string, string | undefined>;
}

function decode(partition: number, m: KafkaMessage): Received {
  const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString()]));
  return { partition, offset: m.offset, key: m.key?.toString(), value: JSON.parse(m.value?.toString() ?? 'null'), headers };
}

describe('HeraldProducer on a real broker', () => {
  const kafka = testKafka();
  let admin: Admin;
  const topics: string[] = [];

  async function createTopic(label: string): Promise<string> {
    const topic = uniqueName(label);
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    topics.push(topic);
    return topic;
  }

  /** Every message of the topic, read by a real consumer in a fresh group. */
  async function consumeAll(topic: string, count: number): Promise<Received[]> {
    const consumer = kafka.consumer({ groupId: uniqueName('group') });
    const received: Received[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void received.push(decode(partition, message)) });
      await eventually(async () => received.length >= count, `${count} messages on ${topic}`);
    } finally {
      await consumer.disconnect();
    }
    return received;
  }

  async function messagesIn(topic: string): Promise<number> {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('publishes single, multi-recipient and batched events with keys, headers and exact coordinates', async () => {
    const topic = await createTopic('producer');
    const producer = new HeraldProducer({ kafka, topic, clock });
    await producer.connect();
    try {
      const single = await producer.publish(event(['user-1']));
      const multi = await producer.publish(event(['user-1', 'user-2'], { id: 'evt-multi', deduplicationKey: 'launch-2026' }));
      const many = await producer.publishMany([event(['user-3']), event(['user-3'], { priority: 'low' }), event(['user-4', 'user-5'], { id: 'evt-many' })]);

      const received = await consumeAll(topic, 5);
      expect(received).toHaveLength(5);
      const at = (r: { partition: number; offset: string }) => received.find((m) => m.partition === r.partition && m.offset === r.offset);

      expect(at(single)).toEqual({
        partition: single.partition,
        offset: single.offset,
        key: 'user-1',
        value: { ...event(['user-1']), version: 2, id: single.id, createdAt: '2026-01-31T09:00:00.000Z' },
        headers: { 'herald-schema-version': '2', 'content-type': 'application/json', 'herald-priority': 'high' },
      });
      // The priority hint follows each event's own priority.
      expect((at(many[1]!)?.headers as Record<string, string>)['herald-priority']).toBe('low');
      expect(at(multi)).toMatchObject({ key: 'launch-2026', value: { id: 'evt-multi', recipients: ['user-1', 'user-2'] } });
      expect(many.map((r) => at(r)?.key)).toEqual(['user-3', 'user-3', 'evt-many']);
      expect(many.map((r) => (at(r)?.value as { id: string }).id)).toEqual(many.map((r) => r.id));
      // One recipient, one partition, in publish order.
      expect(many[0]?.partition).toBe(many[1]?.partition);
      expect(BigInt(many[1]?.offset ?? 0)).toBe(BigInt(many[0]?.offset ?? 0) + 1n);
    } finally {
      await producer.disconnect();
    }
  });

  it('connects on the first publish when connect() was not called', async () => {
    const topic = await createTopic('lazy');
    const producer = new HeraldProducer({ kafka, topic });
    try {
      await expect(producer.publish(event(['user-1']))).resolves.toMatchObject({ offset: '0' });
    } finally {
      await producer.disconnect();
    }
  });

  it('throws a ValidationError and sends nothing for an invalid event or batch', async () => {
    const topic = await createTopic('invalid');
    const producer = new HeraldProducer({ kafka, topic });
    await producer.connect();
    try {
      const single = await producer.publish({ ...event(['user-1']), channels: ['fax' as 'email'] }).catch((e: unknown) => e);
      expect(single).toBeInstanceOf(ValidationError);
      expect((single as ValidationError).issues).toEqual([{ path: 'channels.0', message: expect.any(String) }]);

      const batch = await producer.publishMany([event(['user-1']), event([]), { ...event(['user-2']), extra: true } as EventInput]).catch((e: unknown) => e);
      expect(batch).toBeInstanceOf(ValidationError);
      expect((batch as ValidationError).message).toMatch(/^2 of 3 events are invalid; nothing was published/);
      expect((batch as ValidationError).issues.map((i) => i.path)).toEqual(['[1].recipients', '[2].extra']);
    } finally {
      await producer.disconnect();
    }
    expect(await messagesIn(topic)).toBe(0);
  });

  it('fails with a RetriableError naming the event when no broker answers', async () => {
    const unreachable = new Kafka({
      brokers: ['127.0.0.1:1'],
      clientId: uniqueName('down'),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 300,
      retry: { retries: 1, initialRetryTime: 50 },
    });
    const producer = new HeraldProducer({ kafka: unreachable });
    const error = await producer.publish(event(['user-1'], { id: 'evt-down' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ retriable: true, code: 'publish_failed', eventIds: ['evt-down'] });
    expect((error as Error).message).toMatch(
      new RegExp(
        '^event evt-down was not published to notifications\\.incoming \\(.*ECONNREFUSED 127\\.0\\.0\\.1:1\\)\\. ' +
          'Check that the brokers are reachable .*; this can be retried: publish again with the same id',
      ),
    );

    await expect(producer.connect()).rejects.toMatchObject({ retriable: true, code: 'kafka_unavailable' });
    await producer.disconnect();
  });

  it('fails with a RetriableError, and creates nothing, when the topic does not exist', async () => {
    const shortRetry = new Kafka({
      brokers: TEST_BROKERS,
      clientId: uniqueName('missing'),
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 50 },
    });
    const topic = uniqueName('missing');
    const producer = new HeraldProducer({ kafka: shortRetry, topic });
    try {
      const error = await producer.publish(event(['user-1'])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishError);
      expect((error as Error).message).toContain(`not published to ${topic}`);
    } finally {
      await producer.disconnect();
    }
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('with bulkTopic, writes events outside the fast lane there and the others to topic, each result naming its topic', async () => {
    const topic = await createTopic('lanes-incoming');
    const bulkTopic = await createTopic('lanes-bulk');
    const producer = new HeraldProducer({ kafka, topic, bulkTopic, clock });
    try {
      const priorities = ['critical', 'normal', 'high', 'low', 'normal'] as const;
      const results = await producer.publishMany(priorities.map((priority, i) => event([`lane-${i}`], { priority })));
      expect(results.map((r) => r.topic)).toEqual([topic, bulkTopic, topic, bulkTopic, bulkTopic]);
      const [fast, bulk] = await Promise.all([consumeAll(topic, 2), consumeAll(bulkTopic, 3)]);
      const on = (received: Received[], r: (typeof results)[number]) => received.find((m) => m.partition === r.partition && m.offset === r.offset);
      // Each result's coordinates point at its own event, on its own topic, with the same key and headers as ever.
      results.forEach((r, i) => {
        const message = on(r.topic === topic ? fast : bulk, r);
        expect(message).toMatchObject({ key: `lane-${i}`, value: { id: r.id, priority: priorities[i] }, headers: { 'herald-priority': priorities[i] } });
      });
      expect(await messagesIn(topic)).toBe(2);
      expect(await messagesIn(bulkTopic)).toBe(3);
      // The workers' fast lane can be told: with only critical in it, a high event goes to the bulk topic too.
      const narrow = new HeraldProducer({ kafka, topic, bulkTopic, fastLane: ['critical'], clock });
      try {
        expect((await narrow.publish(event(['lane-high'], { priority: 'high' }))).topic).toBe(bulkTopic);
      } finally {
        await narrow.disconnect();
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('with bulkTopic missing on the broker, fails the events bound there naming that topic, and publishes the others', async () => {
    const shortRetry = new Kafka({
      brokers: TEST_BROKERS,
      clientId: uniqueName('lanes'),
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 50 },
    });
    const topic = await createTopic('lanes-ok');
    const bulkTopic = uniqueName('lanes-missing');
    const producer = new HeraldProducer({ kafka: shortRetry, topic, bulkTopic });
    try {
      const error = await producer
        .publishMany([event(['lane-a'], { id: 'evt-fast', priority: 'critical' }), event(['lane-b'], { id: 'evt-bulk', priority: 'low' })])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishError);
      expect((error as PublishError).eventIds).toEqual(['evt-bulk']);
      expect((error as Error).message).toContain(`event evt-bulk was not published to ${bulkTopic}`);
      const [written] = await consumeAll(topic, 1);
      expect(written).toMatchObject({ value: { id: 'evt-fast' } });
    } finally {
      await producer.disconnect();
    }
    expect(await admin.listTopics()).not.toContain(bulkTopic);
  });
});
