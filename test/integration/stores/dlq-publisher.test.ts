import type { Admin, Producer } from 'kafkajs';
import { eventV2Schema } from '../../../src/contract/event-v2';
import { LIMITS } from '../../../src/contract/limits';
import { createDlqPublisher, OVERSIZE_RAW_KEPT_BYTES, type DlqPublisher, type SourceCoordinates } from '../../../src/dlq/dlq-publisher';
import { testKafka, uniqueName } from '../../support/infra';
import { readTopic } from '../../support/read-topic';

const failedAt = '2026-01-31T09:00:05.000Z';
const event = eventV2Schema.parse({
  version: 2,
  id: 'evt-9',
  type: 'alert',
  priority: 'critical',
  payload: { message: 'disk full' },
  recipients: ['u1'],
  channels: ['sms'],
  createdAt: '2026-01-31T09:00:00Z',
});

describe('DLQ publisher on a real broker', () => {
  const kafka = testKafka();
  let admin: Admin;
  let producer: Producer;
  let topic: string;
  let dlq: DlqPublisher;
  const topics: string[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });
  afterAll(async () => {
    // Deleted only at the end: the shared producer keeps every topic it wrote to in its metadata.
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  beforeEach(async () => {
    topic = uniqueName('dlq');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    topics.push(topic);
    dlq = createDlqPublisher({ producer, topic });
  });

  it('keeps a rejected message with its reason, source coordinates, key and exact raw bytes', async () => {
    const raw = Buffer.from([0x7b, 0x22, 0x69, 0x64, 0xff, 0x00, 0xfe, 0x0a]); // `{"id` then bytes that are not UTF-8
    const source: SourceCoordinates = { topic: 'notifications.incoming', partition: 4, offset: '1234', key: 'user-42', timestamp: '1769850000000' };
    const issues = [{ path: '(root)', message: 'not JSON' }];
    await dlq.rejectMessage({ source, raw, reason: 'invalid_json', message: 'the message is not JSON', issues, failedAt });

    const [m] = await readTopic(topic, 1);
    expect(m?.key).toBe('user-42');
    expect(m?.headers).toEqual({
      'herald-dlq-kind': 'invalid_event',
      'herald-dlq-reason': 'invalid_json',
      'herald-source-topic': 'notifications.incoming',
      'herald-source-partition': '4',
      'herald-source-offset': '1234',
    });
    expect(m?.value).toEqual({
      kind: 'invalid_event',
      reason: 'invalid_json',
      message: 'the message is not JSON',
      issues,
      source,
      rawBase64: raw.toString('base64'),
      failedAt,
    });
    expect(Buffer.from(m?.value.rawBase64, 'base64').equals(raw)).toBe(true);
  });

  it('keeps only the first 64 KiB of an oversize message, so a 1 MB message still fits on the DLQ topic', async () => {
    // 900 KB: whole, base64 in JSON, the letter was over the broker's 1 MB limit and could never be written.
    const raw = Buffer.alloc(900 * 1024, 'a');
    const source: SourceCoordinates = { topic: 'in', partition: 0, offset: '8', key: null, timestamp: '0' };
    await dlq.rejectMessage({ source, raw, reason: 'oversize', message: 'too big', issues: [], failedAt });
    const [m] = await readTopic(topic, 1);
    expect(m?.value).toMatchObject({ kind: 'invalid_event', reason: 'oversize', rawTruncated: true, rawBytes: raw.length });
    expect(Buffer.from(m?.value.rawBase64, 'base64').equals(raw.subarray(0, OVERSIZE_RAW_KEPT_BYTES))).toBe(true);
  });

  it('keeps a message at the size limit whole', async () => {
    const raw = Buffer.alloc(LIMITS.maxEventBytes, 'b');
    const source: SourceCoordinates = { topic: 'in', partition: 0, offset: '9', key: null, timestamp: '0' };
    await dlq.rejectMessage({ source, raw, reason: 'schema_violation', message: 'x', issues: [], failedAt });
    const [m] = await readTopic(topic, 1);
    expect(m?.value.rawTruncated).toBeUndefined();
    expect(Buffer.from(m?.value.rawBase64, 'base64').equals(raw)).toBe(true);
  });

  it('publishes an empty message with no key and empty raw bytes', async () => {
    const source: SourceCoordinates = { topic: 'in', partition: 0, offset: '7', key: null, timestamp: '0' };
    await dlq.rejectMessage({ source, raw: null, reason: 'empty_message', message: 'the message has no value', issues: [], failedAt });
    const [m] = await readTopic(topic, 1);
    expect(m?.key).toBeNull();
    expect(m?.value).toMatchObject({ kind: 'invalid_event', reason: 'empty_message', rawBase64: '' });
    expect(m?.headers['herald-source-offset']).toBe('7');
  });

  it('dead-letters a delivery keyed by event id, with the event and delivery context', async () => {
    const delivery = { recipientId: 'u1', channel: 'sms' as const, provider: 'sms-outbox', attempts: 3, retriable: true };
    await dlq.deadLetterDelivery({ kind: 'delivery_failed', reason: 'retries_exhausted', message: 'timeout after 3 attempts', event, delivery, failedAt });

    const [m] = await readTopic(topic, 1);
    expect(m?.key).toBe('evt-9');
    expect(m?.headers).toEqual({ 'herald-dlq-kind': 'delivery_failed', 'herald-dlq-reason': 'retries_exhausted' });
    expect(m?.value).toEqual({ kind: 'delivery_failed', reason: 'retries_exhausted', message: 'timeout after 3 attempts', event, delivery, failedAt });
  });

  it('dead-letters a digest keyed by digest id, listing the events it carried', async () => {
    const digest = {
      digestId: 'u1:email#2',
      eventIds: ['e1', 'e2'],
      recipientId: 'u1',
      channel: 'email' as const,
      provider: 'smtp',
      attempts: 1,
      retriable: false,
    };
    await dlq.deadLetterDigest({ kind: 'digest_failed', reason: 'permanent', message: '550 mailbox unavailable', digest, failedAt });

    const [m] = await readTopic(topic, 1);
    expect(m?.key).toBe('u1:email#2');
    expect(m?.headers).toEqual({ 'herald-dlq-kind': 'digest_failed', 'herald-dlq-reason': 'permanent' });
    expect(m?.value).toEqual({ kind: 'digest_failed', reason: 'permanent', message: '550 mailbox unavailable', digest, failedAt });
  });
});
