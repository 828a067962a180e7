import { captureLogger } from '../../support/capture-logger';
import { api, isolatedConfig } from '../../support/service-harness';
import { sendStatusCallback, startTwilioServer, type TwilioServer } from '../../support/twilio-server';
import { deadLettersOf, deliveryReaching } from './failure-support';
import {
  SMS_FROM,
  deleteKeys,
  expectNoPhone,
  metricValue,
  metricsText,
  publishSms,
  requestsTo,
  smsDelivery,
  smsUser,
  startSmsHerald,
  statusChangesOf,
  type SmsHerald,
} from './sms-support';

/**
 * How SMS end through the real service (real Kafka, Redis and twilio SDK, local Twilio server): a number
 * Twilio refuses is dead-lettered at once without counting against the provider, and Twilio's signed
 * status callbacks move sent messages on to delivered or failed, once.
 */
describe('SMS through Twilio: a refused number and status callbacks', () => {
  let twilio: TwilioServer;
  let herald: SmsHerald;
  const logs = captureLogger();

  beforeAll(async () => {
    twilio = await startTwilioServer();
    const config = isolatedConfig({
      // A hair-trigger breaker: one counted failure would open it, so "closed" after a 400 means the 400 was not counted.
      channels: {
        sms: {
          maxAttempts: 5,
          retry: { baseDelayMs: 100, maxDelayMs: 300 },
          breaker: { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeoutMs: 60_000 },
        },
      },
      retries: { pollIntervalMs: 100 },
    });
    herald = await startSmsHerald({ config, twilio, logger: logs.logger });
  });

  afterAll(async () => {
    await herald?.close();
    await twilio?.close();
    if (herald) await deleteKeys(herald.prefix);
  });

  it('400 with code 21211: dead-lettered invalid_phone_number after one request, no number anywhere, breaker closed', async () => {
    const { id, phone } = await smsUser(herald, 'sms-21211');
    twilio.rejectNext(400, 21211, `The 'To' number ${phone} is not a valid phone number.`);
    const { id: eventId } = await publishSms(herald, id);

    const record = await deliveryReaching(herald.service, eventId, 'sms', 'dead-lettered');
    expect(record).toMatchObject({ recipientId: id, provider: 'twilio', attempts: 1, reason: 'invalid_phone_number' });
    expect(record.detail).toContain('21211');
    expectNoPhone(record.detail!, phone);

    const letters = await deadLettersOf(herald.config.kafka.topics.dlq, eventId);
    expect(letters).toHaveLength(1);
    const letter = letters[0]!;
    expect(letter.headers).toMatchObject({ 'herald-dlq-kind': 'delivery_failed', 'herald-dlq-reason': 'invalid_phone_number' });
    expect(letter.value).toMatchObject({
      kind: 'delivery_failed',
      reason: 'invalid_phone_number',
      event: { id: eventId, recipientCount: 1, channels: ['sms'] },
    });
    expect(letter.value.event).not.toHaveProperty('recipients');
    expect(letter.value.event).not.toHaveProperty('payload');
    expect(letter.value.delivery).toEqual({ recipientId: id, channel: 'sms', provider: 'twilio', attempts: 1, retriable: false });
    expectNoPhone(JSON.stringify(letter), phone);

    const changes = await statusChangesOf(herald.config.kafka.topics.status, eventId);
    expect(changes.map((c) => [c.status, c.reason])).toEqual([
      ['pending', undefined],
      ['dead-lettered', 'invalid_phone_number'],
    ]);
    // Longer than any backoff and several polls: nothing retries a permanent refusal.
    await new Promise((r) => setTimeout(r, 600));
    expect(requestsTo(twilio, phone).map((r) => r.status)).toEqual([400]);

    const ready = await api(herald.service, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.providers.breakers['sms/twilio']).toBe('closed');
    expect(ready.body.checks.retries.waiting.sms).toBe(0);
    const metrics = await metricsText(herald);
    expect(metricValue(metrics, 'herald_breaker_state', { channel: 'sms', provider: 'twilio' })).toBe(0);
    expect(metricValue(metrics, 'herald_breaker_transitions_total', { channel: 'sms', provider: 'twilio', state: 'open' })).toBeUndefined();

    expect(logs.lines().filter((l) => l.eventId === eventId && l.decision === 'dead-lettered')).toEqual([
      expect.objectContaining({ recipientId: id, channel: 'sms', provider: 'twilio', reason: 'invalid_phone_number', attempts: 1 }),
    ]);
    expectNoPhone(logs.text(), phone);
  });

  it('status callbacks: signed delivered applied once, bad signatures refused, undelivered 30003 fails the delivery', async () => {
    const callbacksBefore = await metricsText(herald);
    const a = await smsUser(herald, 'sms-cb-delivered');
    const b = await smsUser(herald, 'sms-cb-undelivered');
    const { id: eventA } = await publishSms(herald, a.id);
    const { id: eventB } = await publishSms(herald, b.id);
    const sentA = await deliveryReaching(herald.service, eventA, 'sms', 'sent');
    const sentB = await deliveryReaching(herald.service, eventB, 'sms', 'sent');
    const [requestA] = requestsTo(twilio, a.phone);
    const [requestB] = requestsTo(twilio, b.phone);
    const callbackUrl = `${herald.publicUrl}/webhooks/twilio/status`;
    expect([requestA!.form.StatusCallback, requestB!.form.StatusCallback]).toEqual([callbackUrl, callbackUrl]);
    expect(sentA.providerMessageId).toBe(requestA!.sid);
    expect(sentB.providerMessageId).toBe(requestB!.sid);

    /** The fields Twilio posts for one message, as it posts them. */
    const report = (request: NonNullable<typeof requestA>, status: string, extra: Record<string, string> = {}) => ({
      AccountSid: twilio.accountSid,
      ApiVersion: '2010-04-01',
      From: SMS_FROM,
      To: request.form.To!,
      MessageSid: request.sid!,
      SmsSid: request.sid!,
      MessageStatus: status,
      SmsStatus: status,
      ...extra,
    });
    // Posted to the StatusCallback herald gave Twilio, signed for it.
    const post = (params: Record<string, string>, options: { authToken?: string; signedParams?: Record<string, string>; unsigned?: boolean } = {}) =>
      sendStatusCallback({ url: requestA!.form.StatusCallback!, authToken: twilio.authToken, params, ...options });

    expect(await post(report(requestA!, 'delivered'))).toMatchObject({ status: 204 });
    expect(await smsDelivery(herald, eventA)).toMatchObject({ status: 'delivered', providerMessageId: requestA!.sid, attempts: 1 });
    const deliveredChanges = async () => (await statusChangesOf(herald.config.kafka.topics.status, eventA)).filter((c) => c.status === 'delivered');
    expect(await deliveredChanges()).toEqual([expect.objectContaining({ recipientId: a.id, channel: 'sms', provider: 'twilio' })]);

    // The same signed report again (Twilio retrying after a lost answer, or a replay) is refused and changes nothing.
    expect(await post(report(requestA!, 'delivered'))).toMatchObject({ status: 403, body: expect.stringContaining('replayed_signature') });
    expect(await smsDelivery(herald, eventA)).toMatchObject({ status: 'delivered' });
    expect(await deliveredChanges()).toHaveLength(1);

    // Refused: signed with another token, body changed after signing, no signature at all.
    const undelivered = report(requestB!, 'undelivered', { ErrorCode: '30003' });
    expect(await post(undelivered, { authToken: 'f'.repeat(32) })).toMatchObject({ status: 403 });
    expect(await post(undelivered, { signedParams: report(requestB!, 'delivered') })).toMatchObject({ status: 403 });
    expect(await post(undelivered, { unsigned: true })).toMatchObject({ status: 403 });
    expect(await smsDelivery(herald, eventB)).toMatchObject({ status: 'sent', attempts: 1 });

    expect(await post(undelivered)).toMatchObject({ status: 204 });
    expect(await smsDelivery(herald, eventB)).toMatchObject({ status: 'failed', reason: 'twilio_30003', providerMessageId: requestB!.sid });
    const changesB = await statusChangesOf(herald.config.kafka.topics.status, eventB);
    expect(changesB.map((c) => [c.status, c.reason])).toEqual([
      ['pending', undefined],
      ['sent', undefined],
      ['failed', 'twilio_30003'],
    ]);
    // A late delivered report after the failure is a no-op.
    expect(await post(report(requestB!, 'delivered'))).toMatchObject({ status: 204 });
    expect(await smsDelivery(herald, eventB)).toMatchObject({ status: 'failed', reason: 'twilio_30003' });

    const metrics = await metricsText(herald);
    const delta = (name: string, labels: Record<string, string>) =>
      (metricValue(metrics, name, labels) ?? 0) - (metricValue(callbacksBefore, name, labels) ?? 0);
    const verdicts = Object.fromEntries(
      ['applied', 'duplicate', 'unknown'].map((verdict) => [verdict, delta('herald_status_callbacks_total', { provider: 'twilio', verdict })]),
    );
    expect(verdicts).toEqual({ applied: 2, duplicate: 1, unknown: 0 });
    const statuses = Object.fromEntries(['sent', 'delivered', 'failed'].map((status) => [status, delta('herald_status_changes_total', { status })]));
    expect(statuses).toEqual({ sent: 2, delivered: 1, failed: 1 });
    expect(requestsTo(twilio, a.phone)).toHaveLength(1);
    expect(requestsTo(twilio, b.phone)).toHaveLength(1);
    expectNoPhone(logs.text(), a.phone);
    expectNoPhone(logs.text(), b.phone);
  });
});
