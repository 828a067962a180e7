import type { Producer } from 'kafkajs';
import { LIMITS } from '../../../src/contract/limits';
import { OVERSIZE_RAW_KEPT_BYTES } from '../../../src/dlq/dlq-publisher';
import { eventually, testKafka } from '../../support/infra';
import { api, startTestService, type TestService } from '../../support/service-harness';
import { readTopic } from '../../support/read-topic';

describe('malformed and invalid messages go to the DLQ and the consumer moves on', () => {
  let herald: TestService;
  let producer: Producer;

  beforeAll(async () => {
    herald = await startTestService();
    producer = testKafka().producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
  });

  it('dead-letters each bad message with its reason, source coordinates and raw bytes, then delivers the next good event', async () => {
    const topic = herald.config.kafka.topics.incoming;
    const valid = {
      id: 'after-bad',
      type: 'alert',
      priority: 'critical',
      payload: { message: 'still flowing' },
      recipients: ['email:ops@example.com'],
      channels: ['email'],
      createdAt: new Date().toISOString(),
    };
    const bad: { label: string; value: Buffer | null }[] = [
      { label: 'malformed_json', value: Buffer.from('{"id": "x", ') },
      { label: 'schema_violation', value: Buffer.from(JSON.stringify({ ...valid, id: 'bad-type', type: 'newsletter' })) },
      { label: 'unknown_version', value: Buffer.from(JSON.stringify({ ...valid, id: 'v9', version: 9 })) },
      // 900 KB: whole in its letter, base64, it was over the broker's 1 MB limit and stalled the partition.
      { label: 'oversize', value: Buffer.alloc(900 * 1024, 'a') },
      { label: 'not_an_object', value: Buffer.from('[1,2,3]') },
      { label: 'tombstone', value: null },
      // 50,000 levels: validating it overflowed the stack (found by the chaos run's fast-check messages).
      {
        label: 'too_deep',
        value: Buffer.from(
          JSON.stringify({ ...valid, id: 'deep', payload: '__DEEP__' }).replace('"__DEEP__"', `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`),
        ),
      },
    ];
    // One partition key keeps them in order, so "moves on" is observable: the good event comes last.
    // One request each, in turn: together they are over the broker's 1 MB request limit.
    for (const value of [...bad.map((b) => b.value), Buffer.from(JSON.stringify(valid))]) await producer.send({ topic, messages: [{ key: 'same', value }] });

    const letters = await eventually(async () => {
      const read = await readTopic(herald.config.kafka.topics.dlq, 7);
      return read.length >= 7 ? read : undefined;
    }, 'seven dead letters');
    const reasons = letters.map((l) => l.value.reason);
    expect(reasons).toEqual(['malformed_json', 'schema_violation', 'unknown_version', 'oversize', 'not_an_object', 'malformed_json', 'too_deep']);
    for (const [i, letter] of letters.entries()) {
      expect(letter.value.kind).toBe('invalid_event');
      expect(letter.value.source).toEqual(expect.objectContaining({ topic, partition: expect.any(Number), offset: expect.any(String), key: 'same' }));
      expect(letter.headers['herald-dlq-reason']).toBe(reasons[i]);
      const raw = bad[i]!.value ?? Buffer.alloc(0);
      const kept = raw.length > LIMITS.maxEventBytes ? raw.subarray(0, OVERSIZE_RAW_KEPT_BYTES) : raw;
      expect(Buffer.from(letter.value.rawBase64, 'base64').equals(kept)).toBe(true);
      expect(letter.value.rawBytes).toBe(raw.length > LIMITS.maxEventBytes ? raw.length : undefined);
    }
    const schemaIssue = letters[1]!.value.issues.find((x: { path: string }) => x.path === 'type');
    expect(schemaIssue).toBeDefined();

    await eventually(
      async () => (await api(herald.service, 'GET', '/api/notifications/after-bad')).body?.deliveries?.[0]?.status === 'sent',
      'the good event after them sent',
    );
    expect(herald.outboxFiles('email')).toHaveLength(1);
  });
});
