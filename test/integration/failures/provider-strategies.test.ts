import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { outboxFileName } from '../../../src/channels/outbox-file';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { verifyWebhook } from '../../../src/client/verify-webhook';
import { captureLogger } from '../../support/capture-logger';
import { eventually, testKafka, uniqueName, freePort } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startTwilioServer, type TwilioServer } from '../../support/twilio-server';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../support/webhook-receiver';
import { deadLettersOf, deliveryReaching } from './failure-support';
import { metric, readiness, twilioEnv } from './provider-support';

/**
 * Several providers per channel, and the webhook channel, end to end through the real service:
 * email falls back from a dead SMTP server to the outbox, SMS alternates between Twilio (a local
 * API for the real SDK) and the outbox, and partner webhooks are signed and retried.
 */
describe('provider strategies and the webhook channel', () => {
  const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
  let herald: TestService;
  let producer: HeraldProducer;
  let twilio: TwilioServer;
  let receiver: WebhookReceiver;
  const logs = captureLogger();

  beforeAll(async () => {
    twilio = await startTwilioServer();
    receiver = await startWebhookReceiver();
    const smtpPort = await freePort(); // nothing listens there: connections are refused
    const config = isolatedConfig({
      channels: {
        // The breaker stays open for the rest of the file once it opens.
        email: { providers: ['smtp', 'email-outbox'], strategy: 'fallback', breaker: { volumeThreshold: 3, resetTimeoutMs: 120_000 } },
        sms: { providers: ['twilio', 'sms-outbox'], strategy: 'round-robin' },
        // The partner's receiver is local (127.0.0.1): allowed explicitly, as on a private network.
        webhook: { endpoints: { acme: receiver.url('/hooks/herald') }, allowPrivateAddresses: true, retry: { baseDelayMs: 200, maxDelayMs: 500 } },
      },
      retries: { pollIntervalMs: 100 },
    });
    const env = { SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, HERALD_WEBHOOK_SECRETS: SECRET, ...twilioEnv(twilio) };
    herald = await startTestService({ config, env, logger: logs.logger });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
    await twilio?.close();
    await receiver?.close();
  });

  const decisions = (eventId: string, decision: string) => logs.lines().filter((l) => l.eventId === eventId && l.decision === decision);
  const smtpCalls = async () => (await metric(herald.service, 'herald_provider_send_seconds_count', { channel: 'email', provider: 'smtp' })) ?? 0;

  async function emailUser(label: string): Promise<{ id: string; address: string }> {
    const id = uniqueName(label);
    const address = `${id}@example.com`;
    expect((await api(herald.service, 'PUT', `/api/users/${id}`, { email: address })).status).toBe(200);
    return { id, address };
  }
  const email = (userId: string) =>
    producer.publish({
      type: 'transactional',
      priority: 'high',
      recipients: [userId],
      channels: ['email'],
      payload: { title: 'Receipt', message: 'Thanks for your order' },
    });
  const emlOf = (eventId: string, userId: string) => path.join(herald.outboxDir, 'email', outboxFileName(`${eventId}|${userId}|email`, 'eml'));

  describe('fallback: email providers [smtp, email-outbox], SMTP port closed', () => {
    it('writes the email to the outbox on the first attempt after SMTP refuses the connection', async () => {
      const { id: userId, address } = await emailUser('fallback');
      const { id: eventId } = await email(userId);

      const record = await deliveryReaching(herald.service, eventId, 'email', 'sent');
      expect(record).toMatchObject({ recipientId: userId, provider: 'email-outbox', attempts: 1 });
      expect(herald.outboxFiles('email')).toContain(path.basename(emlOf(eventId, userId)));
      const eml = readFileSync(emlOf(eventId, userId), 'utf8');
      expect(eml).toContain(`To: ${address}`);
      expect(eml).toContain('Thanks for your order');
      // SMTP was really tried first, and failed retriably (connection refused), which is what hands over.
      expect(await smtpCalls()).toBe(1);
      expect(decisions(eventId, 'fallback')).toEqual([
        expect.objectContaining({ provider: 'smtp', channel: 'email', error: expect.stringContaining('ECONNREFUSED') }),
      ]);
      expect(decisions(eventId, 'deferred')).toEqual([]);
      expect(await deadLettersOf(herald.config.kafka.topics.dlq, eventId)).toEqual([]);
      expect(logs.text()).not.toContain(address);
    });

    it('once the smtp breaker is open, emails go straight to the outbox without calling SMTP; readiness stays true', async () => {
      // Two more refused connections make three failed calls: the breaker opens (volumeThreshold 3).
      for (const label of ['trip-1', 'trip-2']) {
        const { id: userId } = await emailUser(label);
        const { id: eventId } = await email(userId);
        expect(await deliveryReaching(herald.service, eventId, 'email', 'sent')).toMatchObject({ provider: 'email-outbox', attempts: 1 });
      }
      await eventually(async () => (await readiness(herald.service)).breakers['email/smtp'] === 'open', 'the email/smtp breaker to open', 5_000);
      const calls = await smtpCalls();
      expect(calls).toBe(3);

      const { id: userId } = await emailUser('breaker-open');
      const { id: eventId } = await email(userId);
      expect(await deliveryReaching(herald.service, eventId, 'email', 'sent')).toMatchObject({ provider: 'email-outbox', attempts: 1 });
      expect(readFileSync(emlOf(eventId, userId), 'utf8')).toContain('Thanks for your order');
      expect(await smtpCalls()).toBe(calls);
      expect(decisions(eventId, 'fallback')).toEqual([]);
      const ready = await readiness(herald.service);
      expect(ready).toMatchObject({ status: 200, ready: true });
      expect(ready.breakers).toMatchObject({ 'email/smtp': 'open', 'email/email-outbox': 'closed' });
      expect(await metric(herald.service, 'herald_breaker_state', { channel: 'email', provider: 'smtp' })).toBe(2);
    });
  });

  describe('round-robin: sms providers [twilio, sms-outbox]', () => {
    it('four SMS events: two go to Twilio and two to the outbox, each recipient exactly once', async () => {
      const users: { id: string; number: string }[] = [];
      for (let i = 0; i < 4; i++) {
        const id = uniqueName(`rr-${i}`);
        const number = `+1415${String(Date.now() % 100_000).padStart(5, '0')}${i}1`;
        expect((await api(herald.service, 'PUT', `/api/users/${id}`, { phone: number })).status).toBe(200);
        users.push({ id, number });
      }
      const before = twilio.requests.length;
      const published = await producer.publishMany(
        users.map((u) => ({
          type: 'alert' as const,
          priority: 'high' as const,
          recipients: [u.id],
          channels: ['sms' as const],
          payload: { message: `Code for ${u.id}` },
        })),
      );
      const records = await Promise.all(published.map(({ id }) => deliveryReaching(herald.service, id, 'sms', 'sent')));
      // No retry is pending that could add a late send.
      expect((await readiness(herald.service)).waiting.sms).toBe(0);

      const viaTwilio = twilio.requests.slice(before);
      const outbox = herald
        .outboxFiles('sms')
        .map((f) => JSON.parse(readFileSync(path.join(herald.outboxDir, 'sms', f), 'utf8')) as { recipientId: string; to: string[]; text: string });
      expect(viaTwilio).toHaveLength(2);
      expect(outbox).toHaveLength(2);
      expect(records.map((r) => r.provider).sort()).toEqual(['sms-outbox', 'sms-outbox', 'twilio', 'twilio']);
      expect(records.every((r) => r.attempts === 1)).toBe(true);

      const reached = [...viaTwilio.map((r) => r.form.To), ...outbox.flatMap((o) => o.to)].sort();
      expect(reached).toEqual(users.map((u) => u.number).sort());
      // Each record names the provider that really carried that recipient's message.
      users.forEach((u, i) => {
        const carrier = viaTwilio.some((r) => r.form.To === u.number) ? 'twilio' : 'sms-outbox';
        expect(records[i]).toMatchObject({ recipientId: u.id, provider: carrier });
      });
      for (const o of outbox) expect(o.text).toBe(`Code for ${o.recipientId}`);
      for (const r of viaTwilio) expect(r.form.Body).toBe(`Code for ${users.find((u) => u.number === r.form.To)!.id}`);
    });
  });

  describe('webhook channel: webhook:acme', () => {
    const bodyOf = (request: ReceivedWebhook) =>
      JSON.parse(request.body) as { id: string; eventId: string; recipientId: string; title: string; text: string; payload: unknown };
    const requestsFor = (eventId: string) => receiver.requests.filter((r) => bodyOf(r).eventId === eventId);
    const hook = (message: string) =>
      producer.publish({
        type: 'alert',
        priority: 'high',
        recipients: ['webhook:acme'],
        channels: ['webhook'],
        payload: { title: 'Order shipped', message, orderId: 42 },
      });

    it('POSTs one signed notification the partner verifies, carrying the event id and rendered text; delivered', async () => {
      const { id: eventId } = await hook('Parcel on its way');
      const record = await deliveryReaching(herald.service, eventId, 'webhook', 'delivered');
      expect(record).toMatchObject({ recipientId: 'webhook:acme', provider: 'webhook', attempts: 1 });

      const requests = requestsFor(eventId);
      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request).toMatchObject({ method: 'POST', url: '/hooks/herald' });
      const verified = verifyWebhook<ReturnType<typeof bodyOf>>({ headers: request!.headers, body: request!.body, secrets: SECRET });
      expect(verified).toMatchObject({
        id: `${eventId}|webhook:acme|webhook`,
        eventId,
        recipientId: 'webhook:acme',
        title: 'Order shipped',
        text: 'Parcel on its way',
        payload: { orderId: 42 },
      });
      expect(request!.headers['webhook-id']).toBe(verified.id);
      // A wrong secret must not verify: the check above is a real signature check.
      expect(() => verifyWebhook({ headers: request!.headers, body: request!.body, secrets: `whsec_${randomBytes(32).toString('base64')}` })).toThrow(
        /signature/,
      );
    });

    it('503 once, then 204: delivered on the second attempt, both requests signed with the same webhook-id', async () => {
      receiver.failNext(503, 1);
      const { id: eventId } = await hook('Retry me');
      const record = await deliveryReaching(herald.service, eventId, 'webhook', 'delivered');
      expect(record).toMatchObject({ provider: 'webhook', attempts: 2 });

      const requests = requestsFor(eventId);
      expect(requests).toHaveLength(2);
      const ids = requests.map((r) => r.headers['webhook-id']);
      expect(ids).toEqual([`${eventId}|webhook:acme|webhook`, `${eventId}|webhook:acme|webhook`]);
      for (const request of requests)
        expect(verifyWebhook({ headers: request.headers, body: request.body, secrets: SECRET })).toMatchObject({ eventId, text: 'Retry me' });
      expect(decisions(eventId, 'deferred')).toEqual([expect.objectContaining({ channel: 'webhook', reason: 'http_503', attempts: 1 })]);
      expect(await deadLettersOf(herald.config.kafka.topics.dlq, eventId)).toEqual([]);
    });
  });
});
