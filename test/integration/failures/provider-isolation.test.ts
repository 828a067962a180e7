import { HeraldProducer } from '../../../src/client/herald-producer';
import { captureLogger } from '../../support/capture-logger';
import { fcmReplies, installGoogleFetch, startFcmEndpoint, type FcmEndpoint } from '../../support/fcm-endpoint';
import { eventually, testKafka, uniqueName } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startTwilioServer, type TwilioServer } from '../../support/twilio-server';
import { deadLettersOf, deliveryReaching, type Delivery } from './failure-support';
import { fcmEnv, metric, readiness, since, startHungServer, twilioEnv } from './provider-support';

/**
 * One broken provider never hurts the other channels, through the real service: real Kafka and
 * Redis, the real nodemailer, Twilio and firebase-admin SDKs talking to local servers.
 */

// Token-shaped values, long enough that a leak into a log is unmistakable.
const token = (label: string) => `${label}-${uniqueName('tok')}-${'x'.repeat(40)}`;

/** A phone number of this test run alone (E.164). */
let phones = 0;
const phone = () => `+1415${String(Date.now() % 1_000_000).padStart(6, '0')}${phones++ % 10}`;

let uninstallGoogleFetch: () => void;
beforeAll(() => {
  uninstallGoogleFetch = installGoogleFetch();
});
afterAll(() => uninstallGoogleFetch());

describe('SMTP hung, Twilio and FCM healthy', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let smtp: Awaited<ReturnType<typeof startHungServer>>;
  let twilio: TwilioServer;
  let fcm: FcmEndpoint;
  const logs = captureLogger();

  beforeAll(async () => {
    smtp = await startHungServer();
    twilio = await startTwilioServer();
    fcm = await startFcmEndpoint();
    const config = isolatedConfig({
      // A failed email waits long in the retry store, so it is still `deferred`, not dead-lettered, when the test looks.
      channels: { email: { maxAttempts: 5, retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } } },
      retries: { pollIntervalMs: 100 },
    });
    herald = await startTestService({
      config,
      env: { SMTP_URL: smtp.url, ...twilioEnv(twilio), ...fcmEnv(fcm) },
      fcmAgent: fcm.httpAgent,
      logger: logs.logger,
    });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    // The hung sockets go first: an email attempt still waiting on its greeting then fails at once instead of holding up the shutdown.
    await smtp?.close();
    await herald?.stop();
    await twilio?.close();
    await fcm?.close();
  });

  it('a critical event: SMS and push arrive within ~2 s while the email waits on its greeting, then is deferred, not dead-lettered', async () => {
    const userId = uniqueName('all-channels');
    const number = phone();
    const pushToken = token('live');
    expect((await api(herald.service, 'PUT', `/api/users/${userId}`, { email: `${userId}@example.com`, phone: number, pushTokens: [pushToken] })).status).toBe(
      200,
    );

    const published = Date.now();
    const { id } = await producer.publish({
      type: 'alert',
      priority: 'critical',
      recipients: [userId],
      channels: ['email', 'sms', 'push'],
      payload: { title: 'DB down', message: 'Primary unreachable' },
    });

    const sms = await eventually(async () => twilio.requests.find((r) => r.form.To === number), 'the SMS to reach Twilio', 5_000);
    const smsMs = sms.at - published;
    await eventually(async () => fcm.sendsTo(pushToken).length > 0, 'the push to reach FCM', 5_000);
    const pushMs = since(published);
    // Both recorded as sent while the email is still stuck on the hung server's (missing) greeting.
    const settled = await eventually(
      async () => {
        const deliveries = (await api(herald.service, 'GET', `/api/notifications/${id}`)).body?.deliveries as Delivery[] | undefined;
        const sent = deliveries
          ?.filter((d) => d.status === 'sent')
          .map((d) => d.channel)
          .sort();
        return sent?.join() === 'push,sms' ? deliveries : undefined;
      },
      'sms and push to be sent',
      5_000,
    );
    const sentMs = since(published);
    console.info(`hung SMTP: SMS at Twilio after ${smsMs} ms, push at FCM within ${pushMs} ms, both recorded sent within ${sentMs} ms`);

    expect(smsMs).toBeLessThan(2_000);
    expect(pushMs).toBeLessThan(2_000);
    expect(sentMs).toBeLessThan(3_000);
    expect(settled).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'sms', status: 'sent', provider: 'twilio', attempts: 1 }),
        expect.objectContaining({ channel: 'push', status: 'sent', provider: 'fcm', attempts: 1 }),
        expect.objectContaining({ channel: 'email', status: 'sending', provider: 'smtp', attempts: 1 }),
      ]),
    );
    expect(sms).toMatchObject({ authorized: true, form: expect.objectContaining({ Body: 'Primary unreachable' }) });
    expect(fcm.sendsTo(pushToken)).toEqual([
      expect.objectContaining({ message: expect.objectContaining({ notification: { title: 'DB down', body: 'Primary unreachable' } }) }),
    ]);
    expect(smtp.open()).toBeGreaterThanOrEqual(1);

    const email = await deliveryReaching(herald.service, id, 'email', 'deferred');
    const emailMs = since(published);
    console.info(`hung SMTP: email deferred after ${emailMs} ms (${email.reason})`);
    expect(email).toMatchObject({ provider: 'smtp', attempts: 1 });
    expect(['smtp_unavailable', 'provider_timeout']).toContain(email.reason);
    // It gave up on the greeting, not sooner: the SMS and push above did not wait for this.
    expect(emailMs).toBeGreaterThanOrEqual(9_000);
    expect(Date.parse((email as Delivery & { nextAttemptAt: string }).nextAttemptAt)).toBeGreaterThanOrEqual(published + 9_000);
    expect((await readiness(herald.service)).waiting.email).toBe(1);
    expect(await deadLettersOf(herald.config.kafka.topics.dlq, id)).toEqual([]);
    // SMS and push went out once each; the email's trouble did not make them retry.
    expect(twilio.requests.filter((r) => r.form.To === number)).toHaveLength(1);
    expect(fcm.sendsTo(pushToken)).toHaveLength(1);
    expect(logs.text()).not.toContain(number);
    expect(logs.text()).not.toContain(pushToken);
  }, 40_000);

  /**
   * Isolation across events, not only within one: a partition's events are handled in order, so if
   * an event's hung email held its partition, every later event there (any channel) would wait for
   * the SMTP timeout, past the 5 s budget of a critical event.
   */
  it('a later event of the same user (same partition): its SMS and push do not wait for the earlier event’s hung email', async () => {
    const userId = uniqueName('head-of-line');
    const number = phone();
    const pushToken = token('hol');
    expect((await api(herald.service, 'PUT', `/api/users/${userId}`, { email: `${userId}@example.com`, phone: number, pushTokens: [pushToken] })).status).toBe(
      200,
    );

    const first = await producer.publish({
      type: 'alert',
      priority: 'critical',
      recipients: [userId],
      channels: ['email', 'sms'],
      payload: { title: 'DB down', message: 'Primary unreachable' },
    });
    await eventually(async () => twilio.requests.some((r) => r.form.To === number), 'the first SMS to reach Twilio', 5_000);
    const published = Date.now();
    const second = await producer.publish({
      type: 'alert',
      priority: 'critical',
      recipients: [userId],
      channels: ['sms', 'push'],
      payload: { title: 'DB up', message: 'Primary back' },
    });
    // Single-recipient events are keyed by recipient: both are on one partition, handled in order.
    expect(second.partition).toBe(first.partition);

    const sms = await eventually(
      async () => twilio.requests.find((r) => r.form.To === number && r.form.Body === 'Primary back'),
      'the second SMS to reach Twilio',
      20_000,
    );
    await eventually(async () => fcm.sendsTo(pushToken).length > 0, 'the second event’s push to reach FCM', 20_000);
    const pushMs = since(published);
    const smsMs = sms.at - published;
    console.info(`head of line: second event's SMS at Twilio after ${smsMs} ms, push at FCM within ${pushMs} ms`);
    expect(smsMs).toBeLessThan(2_000);
    expect(pushMs).toBeLessThan(2_000);
  }, 40_000);

  it('an unregistered token is pruned: the live token gets the push (sent); a user with only a dead token is bounced and dead-lettered', async () => {
    const [live, dead, onlyDead] = [token('live'), token('dead'), token('only-dead')];
    fcm.alwaysReplyTo(dead, fcmReplies.unregistered());
    fcm.alwaysReplyTo(onlyDead, fcmReplies.unregistered());
    const [mixed, lost] = [uniqueName('two-tokens'), uniqueName('dead-token')];
    expect((await api(herald.service, 'PUT', `/api/users/${mixed}`, { pushTokens: [dead, live] })).status).toBe(200);
    expect((await api(herald.service, 'PUT', `/api/users/${lost}`, { pushTokens: [onlyDead] })).status).toBe(200);

    const publish = (userId: string) =>
      producer.publish({
        type: 'alert',
        priority: 'high',
        recipients: [userId],
        channels: ['push', 'in_app'],
        payload: { title: 'Deploy', message: 'v2 is live' },
      });
    const [{ id: mixedEvent }, { id: lostEvent }] = [await publish(mixed), await publish(lost)];

    expect(await deliveryReaching(herald.service, mixedEvent, 'push', 'sent')).toMatchObject({ recipientId: mixed, provider: 'fcm', attempts: 1 });
    expect(fcm.sendsTo(live)).toHaveLength(1);
    expect(fcm.sendsTo(dead)).toHaveLength(1);
    expect((await api(herald.service, 'GET', `/api/users/${mixed}`)).body.profile.pushTokens).toEqual([live]);
    expect(await deadLettersOf(herald.config.kafka.topics.dlq, mixedEvent)).toEqual([]);

    const bounced = await deliveryReaching(herald.service, lostEvent, 'push', 'bounced');
    expect(bounced).toMatchObject({ recipientId: lost, provider: 'fcm', attempts: 1, reason: 'push_token_unregistered' });
    expect(fcm.sendsTo(onlyDead)).toHaveLength(1);
    expect((await api(herald.service, 'GET', `/api/users/${lost}`)).body.profile.pushTokens).toEqual([]);
    const letters = await deadLettersOf(herald.config.kafka.topics.dlq, lostEvent);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.value).toMatchObject({ kind: 'delivery_failed', reason: 'push_token_unregistered', event: { id: lostEvent } });
    expect(letters[0]!.value.delivery).toEqual({ recipientId: lost, channel: 'push', provider: 'fcm', attempts: 1, retriable: false });

    // The other channel of the same events is untouched by the push trouble.
    expect(await deliveryReaching(herald.service, mixedEvent, 'in_app', 'delivered')).toMatchObject({ provider: 'in-app', attempts: 1 });
    expect(await deliveryReaching(herald.service, lostEvent, 'in_app', 'delivered')).toMatchObject({ provider: 'in-app', attempts: 1 });
    for (const secret of [live, dead, onlyDead]) {
      expect(logs.text()).not.toContain(secret);
      expect(JSON.stringify(letters[0]!.value)).not.toContain(secret);
    }
  });
});

describe('Twilio failing opens the sms/twilio breaker; SMS wait in the retry store while in-app flows', () => {
  const RESET_MS = 4_000;
  let herald: TestService;
  let producer: HeraldProducer;
  let twilio: TwilioServer;
  const logs = captureLogger();

  beforeAll(async () => {
    twilio = await startTwilioServer();
    const config = isolatedConfig({
      channels: {
        sms: {
          maxAttempts: 10,
          retry: { baseDelayMs: 300, maxDelayMs: 600 },
          breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: RESET_MS },
        },
      },
      retries: { pollIntervalMs: 100 },
    });
    herald = await startTestService({ config, env: twilioEnv(twilio), logger: logs.logger });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
    await twilio?.close();
  });

  async function user(label: string): Promise<{ id: string; number: string }> {
    const id = uniqueName(label);
    const number = phone();
    expect((await api(herald.service, 'PUT', `/api/users/${id}`, { phone: number })).status).toBe(200);
    return { id, number };
  }
  const publishTo = (userId: string) =>
    producer.publish({
      type: 'alert',
      priority: 'high',
      recipients: [userId],
      channels: ['sms', 'in_app'],
      payload: { title: 'Login', message: 'New sign-in' },
    });
  const smsOf = async (eventId: string) =>
    ((await api(herald.service, 'GET', `/api/notifications/${eventId}`)).body?.deliveries as Delivery[] | undefined)?.find((d) => d.channel === 'sms');
  const breakerMetric = () => metric(herald.service, 'herald_breaker_state', { channel: 'sms', provider: 'twilio' });

  it('opens after two 503s, defers SMS with breaker_open without calling Twilio or using attempts, then sends each once after the reset timeout', async () => {
    const first = await user('breaker-first');
    const [second, third] = [await user('breaker-second'), await user('breaker-third')];
    expect(await breakerMetric()).toBe(0);

    // Twilio answers 503 twice: the first SMS fails, and its retry fails too, which opens the breaker (2 calls, 100 % failed).
    twilio.failNext(503, 2);
    const { id: firstEvent } = await publishTo(first.id);
    await eventually(async () => (await readiness(herald.service)).breakers['sms/twilio'] === 'open', 'the sms/twilio breaker to open', 10_000);
    expect(twilio.requests.map((r) => r.form.To)).toEqual([first.number, first.number]);
    // The breaker opened as the second 503 came back.
    const openedAt = twilio.requests[1]!.at;

    const ready = await readiness(herald.service);
    expect(ready).toMatchObject({ status: 200, ready: true });
    expect(ready.breakers).toMatchObject({ 'sms/twilio': 'open', 'in_app/in-app': 'closed' });
    expect(await breakerMetric()).toBe(2);
    expect(await metric(herald.service, 'herald_breaker_transitions_total', { channel: 'sms', provider: 'twilio', state: 'open' })).toBe(1);

    // While open: new SMS wait with breaker_open and no attempt; in-app of the same events is delivered.
    const { id: secondEvent } = await publishTo(second.id);
    const { id: thirdEvent } = await publishTo(third.id);
    for (const eventId of [secondEvent, thirdEvent]) {
      expect(await deliveryReaching(herald.service, eventId, 'in_app', 'delivered')).toMatchObject({ provider: 'in-app', attempts: 1 });
      const sms = await deliveryReaching(herald.service, eventId, 'sms', 'deferred');
      expect(sms).toMatchObject({ reason: 'breaker_open', attempts: 0 });
      // It waits for the trial call, not for a backoff of its own.
      const nextAttemptAt = Date.parse((sms as Delivery & { nextAttemptAt: string }).nextAttemptAt);
      expect(nextAttemptAt).toBeGreaterThanOrEqual(openedAt + RESET_MS);
      expect(nextAttemptAt).toBeLessThan(openedAt + RESET_MS + 1_000);
    }
    expect(await deliveryReaching(herald.service, firstEvent, 'in_app', 'delivered')).toMatchObject({ attempts: 1 });
    // The first SMS comes back from the retry store while the breaker is open: deferred again, its 2 attempts kept.
    const firstSms = await eventually(
      async () => {
        const record = await smsOf(firstEvent);
        return record?.status === 'deferred' && record.reason === 'breaker_open' ? record : undefined;
      },
      'the first SMS to wait on the breaker',
      3_000,
    );
    expect(firstSms).toMatchObject({ provider: 'twilio', attempts: 2 });

    // Watch the open period: no request reaches Twilio and no attempt is used.
    while (since(openedAt) < RESET_MS - 1_000) {
      expect(twilio.requests).toHaveLength(2);
      const [a, b, c] = [await smsOf(firstEvent), await smsOf(secondEvent), await smsOf(thirdEvent)];
      expect([a?.status, b?.status, c?.status]).toEqual(['deferred', 'deferred', 'deferred']);
      expect([a?.attempts, b?.attempts, c?.attempts]).toEqual([2, 0, 0]);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await readiness(herald.service)).waiting.sms).toBe(3);
    expect(await metric(herald.service, 'herald_retries_scheduled_total', { channel: 'sms', reason: 'breaker_open' })).toBeGreaterThanOrEqual(3);

    // Twilio answers again (its script is spent); after the reset timeout the trial call succeeds and the rest follow.
    const sent = await Promise.all([firstEvent, secondEvent, thirdEvent].map((eventId) => deliveryReaching(herald.service, eventId, 'sms', 'sent')));
    const recoveredMs = since(openedAt);
    console.info(`breaker: opened, waiting SMS all sent ${recoveredMs} ms later (reset timeout ${RESET_MS} ms)`);
    expect(recoveredMs).toBeGreaterThanOrEqual(RESET_MS);
    expect(sent.map((d) => [d.provider, d.attempts])).toEqual([
      ['twilio', 3],
      ['twilio', 1],
      ['twilio', 1],
    ]);
    expect(twilio.requests.slice(2).every((r) => r.at >= openedAt + RESET_MS)).toBe(true);
    // Exactly once each after the recovery: 2 failed + 3 accepted requests, nothing more even a while later.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(twilio.requests.map((r) => r.form.To).sort()).toEqual([first.number, first.number, first.number, second.number, third.number].sort());

    expect((await readiness(herald.service)).breakers['sms/twilio']).toBe('closed');
    expect(await breakerMetric()).toBe(0);
    for (const state of ['open', 'half-open', 'closed']) {
      expect(await metric(herald.service, 'herald_breaker_transitions_total', { channel: 'sms', provider: 'twilio', state })).toBe(1);
    }
    expect((await readiness(herald.service)).waiting.sms).toBe(0);
    for (const eventId of [firstEvent, secondEvent, thirdEvent]) expect(await deadLettersOf(herald.config.kafka.topics.dlq, eventId)).toEqual([]);
    expect(logs.text()).not.toContain(first.number);
  });
});
