import { HeraldProducer } from '../../../src/client/herald-producer';
import { captureLogger } from '../../support/capture-logger';
import { eventually, testKafka, uniqueName } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { deadLettersOf, deliveryReaching } from './failure-support';

/**
 * Provider failures end to end: the service sends through a real SMTP server that answers chosen
 * codes per recipient. Retriable replies are retried up to maxAttempts, permanent ones are not, and
 * every final failure is a DLQ record plus a `dead-lettered` state, with no address in either or in the logs.
 */
describe('SMTP replies decide retry or dead letter', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const logs = captureLogger();

  beforeAll(async () => {
    smtp = await startSmtpSink();
    const config = isolatedConfig({
      // Retries from the retry store, quickly; a breaker that never opens, so each test sees the SMTP reply it asked for.
      channels: { email: { maxAttempts: 3, retry: { baseDelayMs: 200, maxDelayMs: 1_000 }, breaker: { volumeThreshold: 1_000 } } },
      retries: { pollIntervalMs: 100 },
      // A template for in-app only: email has neither a template nor a payload title/message to fall back on.
      templates: { receipt: { in_app: { title: 'Receipt', text: 'Paid {{payload.amount}}' } } },
    });
    herald = await startTestService({ config, env: { SMTP_URL: smtp.url }, logger: logs.logger });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
    await smtp.close();
  });

  /** A user of this test alone, with a unique address. */
  async function user(label: string): Promise<{ id: string; address: string }> {
    const id = uniqueName(label);
    const address = `${id}@example.com`;
    expect((await api(herald.service, 'PUT', `/api/users/${id}`, { email: address })).status).toBe(200);
    return { id, address };
  }

  const publishTo = (recipientId: string, extra: { template?: string; channels?: ('email' | 'in_app')[]; payload?: Record<string, unknown> } = {}) =>
    producer.publish({
      type: 'transactional',
      priority: 'high',
      recipients: [recipientId],
      channels: ['email'],
      payload: { title: 'Hi', message: 'Body' },
      ...extra,
    });

  const decisions = (eventId: string, decision: string) => logs.lines().filter((l) => l.eventId === eventId && l.decision === decision);
  /** The decision lines once one is logged: the state is written (and its change published) just before its log line. */
  const logged = (eventId: string, decision: string) =>
    eventually(
      async () => {
        const lines = decisions(eventId, decision);
        return lines.length > 0 ? lines : undefined;
      },
      `a "${decision}" log line for ${eventId}`,
      5_000,
    );

  it('451 once, then accepted: sent on the second attempt, one message accepted, nothing dead-lettered', async () => {
    const { id, address } = await user('transient-once');
    smtp.refuse(address, 451, 1);
    const { id: eventId } = await publishTo(id);

    const record = await deliveryReaching(herald.service, eventId, 'email', 'sent');
    expect(record).toMatchObject({ recipientId: id, provider: 'smtp', attempts: 2 });
    expect(smtp.rcptAttempts(address)).toBe(2);
    expect(smtp.countTo(address)).toBe(1);
    expect(decisions(eventId, 'deferred')).toHaveLength(1);
    expect(await logged(eventId, 'sent')).toEqual([expect.objectContaining({ recipientId: id, channel: 'email', attempts: 2 })]);
    expect(await deadLettersOf(herald.config.kafka.topics.dlq, eventId)).toEqual([]);
  });

  it('451 every time: dead-lettered smtp_transient after maxAttempts, DLQ record without the address', async () => {
    const { id, address } = await user('transient-always');
    smtp.refuse(address, 451);
    const { id: eventId } = await publishTo(id);

    const record = await deliveryReaching(herald.service, eventId, 'email', 'dead-lettered');
    expect(record).toMatchObject({ recipientId: id, provider: 'smtp', attempts: 3, reason: 'smtp_transient' });
    // The server quoted the address in its reply; the stored detail carries it redacted.
    expect(record.detail).toContain('[address]');
    expect(record.detail).not.toContain(address);
    expect(smtp.rcptAttempts(address)).toBe(3);
    expect(smtp.countTo(address)).toBe(0);

    const letters = await deadLettersOf(herald.config.kafka.topics.dlq, eventId);
    expect(letters).toHaveLength(1);
    const letter = letters[0]!;
    expect(letter.headers).toMatchObject({ 'herald-dlq-kind': 'delivery_failed', 'herald-dlq-reason': 'smtp_transient' });
    expect(letter.value).toMatchObject({ kind: 'delivery_failed', reason: 'smtp_transient', event: { id: eventId, recipientCount: 1, channels: ['email'] } });
    expect(letter.value.event).not.toHaveProperty('recipients');
    expect(letter.value.event).not.toHaveProperty('payload');
    expect(letter.value.delivery).toEqual({ recipientId: id, channel: 'email', provider: 'smtp', attempts: 3, retriable: true });
    expect(JSON.stringify(letter.value)).not.toContain(address);

    expect(decisions(eventId, 'deferred')).toHaveLength(2);
    expect(await logged(eventId, 'dead-lettered')).toEqual([
      expect.objectContaining({ recipientId: id, channel: 'email', reason: 'smtp_transient', attempts: 3 }),
    ]);
    expect(logs.text()).not.toContain(address);
  });

  it('550: dead-lettered smtp_rejected after one attempt, not retriable', async () => {
    const { id, address } = await user('rejected');
    smtp.refuse(address, 550);
    const { id: eventId } = await publishTo(id);

    const record = await deliveryReaching(herald.service, eventId, 'email', 'dead-lettered');
    expect(record).toMatchObject({ provider: 'smtp', attempts: 1, reason: 'smtp_rejected' });
    expect(smtp.rcptAttempts(address)).toBe(1);
    const letters = await deadLettersOf(herald.config.kafka.topics.dlq, eventId);
    expect(letters.map((l) => l.value.delivery)).toEqual([{ recipientId: id, channel: 'email', provider: 'smtp', attempts: 1, retriable: false }]);
    expect(letters[0]!.value.reason).toBe('smtp_rejected');
    expect(decisions(eventId, 'deferred')).toHaveLength(0);
    expect(logs.text()).not.toContain(address);
  });

  it('no template and no title/message for email: email dead-lettered template_missing, in-app sent', async () => {
    const { id, address } = await user('no-template');
    const { id: eventId } = await publishTo(id, { template: 'receipt', channels: ['email', 'in_app'], payload: { amount: 12 } });

    const email = await deliveryReaching(herald.service, eventId, 'email', 'dead-lettered');
    expect(email).toMatchObject({ attempts: 1, reason: 'template_missing' });
    expect(email.detail).toContain('templates.receipt.email');
    expect(await deliveryReaching(herald.service, eventId, 'in_app', 'delivered')).toMatchObject({ provider: 'in-app', attempts: 1 });
    expect(smtp.rcptAttempts(address)).toBe(0);

    const inbox = await api(herald.service, 'GET', `/api/users/${id}/inbox`);
    const items = (inbox.body.items ?? inbox.body) as { eventId: string; title: string; text: string }[];
    expect(items).toEqual([expect.objectContaining({ eventId, title: 'Receipt', text: 'Paid 12' })]);
    const letters = await deadLettersOf(herald.config.kafka.topics.dlq, eventId);
    expect(letters.map((l) => [l.value.reason, l.value.delivery])).toEqual([
      ['template_missing', { recipientId: id, channel: 'email', provider: 'smtp', attempts: 1, retriable: false }],
    ]);
  });
});
