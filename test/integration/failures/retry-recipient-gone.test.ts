import { captureLogger } from '../../support/capture-logger';
import { eventually } from '../../support/infra';
import { api, isolatedConfig } from '../../support/service-harness';
import { startTwilioServer, type TwilioServer } from '../../support/twilio-server';
import { deliveryReaching } from './failure-support';
import { deleteKeys, publishSms, requestsTo, smsDelivery, smsUser, startSmsHerald, type SmsHerald } from './sms-support';

/**
 * A retry is resolved again when it comes due: the recipient's address may have changed while it
 * waited. When the user no longer has one, the delivery ends `failed` and leaves the retry store
 * instead of being sent to a stale number or retried forever.
 */
describe('a retry whose recipient lost their address while it waited', () => {
  let twilio: TwilioServer;
  let herald: SmsHerald;
  const logs = captureLogger();

  beforeAll(async () => {
    twilio = await startTwilioServer();
    const config = isolatedConfig({
      channels: { sms: { maxAttempts: 50, retry: { baseDelayMs: 300, maxDelayMs: 300 }, breaker: { volumeThreshold: 1_000 } } },
      retries: { pollIntervalMs: 100 },
    });
    herald = await startSmsHerald({ config, twilio, logger: logs.logger });
  });

  afterAll(async () => {
    await herald?.close();
    await twilio?.close();
    if (herald) await deleteKeys(herald.prefix);
  });

  it('ends failed with no_address, calls Twilio no more, and empties the retry store', async () => {
    // (Twilio never recovers here: the delivery ends because the address is gone, not because a send worked.)
    const user = await smsUser(herald, 'gone');
    // Twilio keeps failing, so however the jitter falls, every try before the change below is a 503.
    twilio.failNext(503, 1_000);
    const { id } = await publishSms(herald, user.id);
    expect(await deliveryReaching(herald.service, id, 'sms', 'deferred')).toMatchObject({ reason: 'http_503' });

    // The user removes their phone while the retry waits.
    expect((await api(herald.service, 'PUT', `/api/users/${user.id}`, { email: 'gone@example.com' })).status).toBe(200);
    const failed = await deliveryReaching(herald.service, id, 'sms', 'failed');
    expect(failed).toMatchObject({ reason: 'no_address' });
    const calls = requestsTo(twilio, user.phone);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.every((r) => r.status === 503)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(requestsTo(twilio, user.phone)).toHaveLength(calls.length);
    await eventually(async () => {
      const ready = await api(herald.service, 'GET', '/readyz');
      return ready.body.checks.retries.waiting.sms === 0;
    }, 'the retry store to be empty');
    expect(logs.lines().filter((l) => l.eventId === id && l.decision === 'failed')).toHaveLength(1);
    expect((await smsDelivery(herald, id))?.status).toBe('failed');
  });
});
