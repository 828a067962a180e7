import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { messageKey } from '../../../src/client/event-message';
import { MESSAGE_HEADERS } from '../../../src/contract/vocabulary';
import { PublishError } from '../../../src/client/publish-error';
import { incomingHeadersSchema } from '../../../src/contract/asyncapi';
import type { EventInput } from '../../../src/contract/complete-event';
import type { EventV2 } from '../../../src/contract/event-v2';
import { LIMITS } from '../../../src/contract/limits';
import { parseEvent } from '../../../src/contract/parse-event';
import { ValidationError } from '../../../src/shared/errors';
import { main as clientMain, publishWithRetry } from '../../../examples/produce-with-client';
import { HEADERS, MAX_EVENT_BYTES, main as kafkajsMain, keyOf, toMessage, type NotificationEvent } from '../../../examples/produce-with-kafkajs';
import { TEST_BROKERS, testKafka, uniqueName } from '../../support/infra';
import { readTopic, type ReadMessage } from '../../support/read-topic';

const root = path.resolve(__dirname, '../../..');

/** The event a message carries, parsed the way herald's intake parses it; fails the test when herald would reject it. */
function accepted(message: ReadMessage): EventV2 {
  const result = parseEvent(Buffer.from(JSON.stringify(message.value), 'utf8'));
  if (!result.ok) throw new Error(`herald would reject the message at offset ${message.offset}: ${result.message} ${JSON.stringify(result.issues)}`);
  expect(result.sourceVersion).toBe(2);
  return result.event;
}

/** Checks the documented key and headers of a message produced to notifications.incoming. */
function expectDocumented(message: ReadMessage): EventV2 {
  const event = accepted(message);
  expect(message.key).toBe(messageKey(event));
  expect(message.headers).toEqual(expect.objectContaining(MESSAGE_HEADERS));
  expect(incomingHeadersSchema.safeParse(message.headers).success).toBe(true);
  expect(message.headers['herald-replay']).toBeUndefined();
  return event;
}

describe('the producer examples on a real broker', () => {
  let admin: Admin;
  const topics: string[] = [];

  async function createTopic(label: string): Promise<string> {
    const topic = uniqueName(label);
    topics.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    return topic;
  }

  /** A client that gives up on a missing topic in well under a second. */
  const impatient = () =>
    new Kafka({ brokers: TEST_BROKERS, clientId: uniqueName('impatient'), logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } });

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('examples/produce-with-client.ts publishes events herald accepts, with the documented keys, headers and coordinates', async () => {
    const topic = await createTopic('example-client');
    const results = await clientMain({ brokers: TEST_BROKERS, topic });
    const messages = await readTopic(topic, results.length);
    expect(messages).toHaveLength(4);
    const byId = new Map(messages.map((m) => [expectDocumented(m).id, m]));
    for (const result of results) expect(byId.get(result.id)).toMatchObject({ partition: result.partition, offset: result.offset });
    const events = messages.map((m) => accepted(m));
    expect(events.filter((e) => e.recipients.join() === 'user_42').map((e) => messageKey(e))).toEqual(['user_42', 'user_42']);
    expect(events.find((e) => e.deduplicationKey === 'launch-ledger-2026')).toMatchObject({ recipients: ['user_7', 'user_8'] });
    expect(messages.find((m) => m.value.deduplicationKey === 'launch-ledger-2026')?.key).toBe('launch-ledger-2026');
    expect(events.find((e) => e.delay === '2h')).toBeDefined();
  });

  it('examples/produce-with-kafkajs.ts writes the same contract with plain kafkajs: values, keys and headers', async () => {
    const topic = await createTopic('example-kafkajs');
    const sent = await kafkajsMain({ brokers: TEST_BROKERS, topic });
    const messages = await readTopic(topic, sent.length);
    expect(messages).toHaveLength(2);
    for (const event of sent) {
      const message = messages.find((m) => m.value.id === event.id);
      expect(message && expectDocumented(message)).toEqual(event);
      expect(message?.key).toBe(keyOf(event));
    }
    expect(messages.map((m) => m.key).sort()).toEqual([sent[1]?.id, 'user_42'].sort());
  });

  it('the plain example keys and headers messages exactly as the client does, and refuses an oversize event', () => {
    const base: NotificationEvent = {
      version: 2,
      id: 'evt-1',
      type: 'alert',
      priority: 'high',
      payload: {},
      recipients: ['u1'],
      channels: ['email'],
      createdAt: '2026-01-31T09:00:00Z',
    };
    const variants: NotificationEvent[] = [
      base,
      { ...base, recipients: ['u1', 'u2'] },
      { ...base, recipients: ['u1', 'u2'], deduplicationKey: 'd-1' },
      { ...base, deduplicationKey: 'd-2' },
    ];
    for (const event of variants) expect(keyOf(event)).toBe(messageKey(event as EventV2));
    expect(HEADERS).toEqual(MESSAGE_HEADERS);
    expect(MAX_EVENT_BYTES).toBe(LIMITS.maxEventBytes);
    const huge = { ...base, recipients: Array.from({ length: 1000 }, (_, i) => `user_${i}_${'x'.repeat(600)}`) };
    expect(() => toMessage(huge)).toThrow(/evt-1 is \d+ bytes as JSON; the limit is 524288\. Split the recipients/);
  });

  it('publishWithRetry never retries a ValidationError', async () => {
    const herald = new HeraldProducer({ kafka: impatient(), topic: uniqueName('never-created') });
    const retries: number[] = [];
    const error = await publishWithRetry(
      herald,
      { type: 'alert', priority: 'high', recipients: [], channels: ['email'], payload: {} },
      { onRetry: (_e, n) => void retries.push(n) },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['recipients']);
    expect(retries).toEqual([]);
    await herald.disconnect();
  });

  it('publishWithRetry retries a PublishError with the same event id until Kafka takes it, and gives up after its attempts', async () => {
    const topic = uniqueName('late-topic');
    const herald = new HeraldProducer({ kafka: impatient(), topic });
    const ids: string[] = [];
    try {
      const input: EventInput = { type: 'alert', priority: 'high', recipients: ['user_42'], channels: ['email'], payload: { n: 1 } };
      const result = await publishWithRetry(herald, input, {
        backoffMs: 10,
        onRetry: async (error) => {
          ids.push(...error.eventIds);
          if (ids.length === 1) {
            topics.push(topic);
            await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
          }
        },
      });
      expect(ids).toHaveLength(1);
      expect(result.id).toBe(ids[0]);
      const [message, ...others] = await readTopic(topic, 1);
      expect(others).toEqual([]);
      expect(message && expectDocumented(message).id).toBe(ids[0]);

      const lost = new HeraldProducer({ kafka: impatient(), topic: uniqueName('never-created') });
      const failures: PublishError[] = [];
      const error = await publishWithRetry(lost, input, { attempts: 2, backoffMs: 10, onRetry: (e) => void failures.push(e) }).catch((e: unknown) => e);
      await lost.disconnect();
      expect(error).toBeInstanceOf(PublishError);
      expect(failures).toHaveLength(1);
      expect((error as PublishError).eventIds).toEqual(failures[0]?.eventIds);
    } finally {
      await herald.disconnect();
    }
  });

  it('docs/producers.md quotes the examples as they are', () => {
    const guide = readFileSync(path.join(root, 'docs/producers.md'), 'utf8');
    const quotes = [...guide.matchAll(/<!-- quoted from (examples\/[\w.-]+) -->\n```ts\n([\s\S]*?)```/g)];
    expect(quotes.map((q) => q[1])).toEqual(expect.arrayContaining(['examples/produce-with-client.ts', 'examples/produce-with-kafkajs.ts']));
    for (const [, file, code] of quotes) {
      const source = readFileSync(path.join(root, file as string), 'utf8');
      expect({ file, quotedVerbatim: source.includes(code as string) }).toEqual({ file, quotedVerbatim: true });
    }
  });
});
