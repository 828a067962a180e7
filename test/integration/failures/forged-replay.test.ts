import { Kafka } from 'kafkajs';
import { eventually, TEST_BROKERS, uniqueName } from '../../support/infra';
import { readWholeTopic } from '../../support/read-topic';
import { api, startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { isolatedLanes, putUser, sleep, wallTimeIn, addMinutes } from '../worker/time-support';

/**
 * A producer on `notifications.incoming` forging the `herald-replay` header: before, it sent to a
 * person opted out of email and marketing, an SMS inside quiet hours, an event scheduled 300 days
 * out, and three events past a one-a-day cap, bypassing every check. Only `herald dlq replay` may
 * replay, and it never writes to herald's topics: a message carrying the header, on the intake or the
 * bulk topic, is dead-lettered `replay_refused`, with nothing recorded and nothing sent.
 */
describe('a forged herald-replay header', () => {
  let herald: TestService;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const config = isolatedLanes({
    kafka: { partitions: 1 },
    frequencyCaps: [{ name: 'one-a-day', types: ['marketing'], channels: ['email'], max: 1, window: '1d' }],
  });

  beforeAll(async () => {
    smtp = await startSmtpSink();
    herald = await startTestService({ config, env: { SMTP_URL: smtp.url } });
  });

  afterAll(async () => {
    await herald?.stop();
    await smtp?.close();
  });

  // Both topics producers write: herald's own publishers put bulk-lane events straight on the bulk topic (src/client/lane-topic.ts).
  it.each(['incoming', 'bulk'] as const)('on the %s topic is dead-lettered replay_refused; no event is recorded and no provider is called', async (lane) => {
    const optedOut = uniqueName('opted-out');
    const sleeper = uniqueName('sleeper');
    const capped = uniqueName('capped');
    await putUser(herald.service, optedOut, { email: `${optedOut}@example.com`, preferences: { channels: { email: false }, types: { marketing: false } } });
    const now = Date.now();
    await putUser(herald.service, sleeper, {
      phone: '+14155550123',
      timeZone: 'UTC',
      quietHours: { start: wallTimeIn(now - 60_000, 'UTC'), end: addMinutes(wallTimeIn(now, 'UTC'), 120) },
    });
    await putUser(herald.service, capped, { email: `${capped}@example.com` });

    const event = (recipient: string, channel: string, extra: Record<string, unknown> = {}) => ({
      version: 2,
      id: uniqueName('forged'),
      type: 'marketing',
      priority: 'low',
      createdAt: new Date().toISOString(),
      recipients: [recipient],
      channels: [channel],
      payload: { title: 'Sale', message: 'Everything half price' },
      ...extra,
    });
    const forged = [
      event(optedOut, 'email'),
      event(sleeper, 'sms'),
      event(capped, 'email', { sendAt: new Date(now + 300 * 86_400_000).toISOString() }),
      event(capped, 'email'),
      event(capped, 'email'),
      event(capped, 'email'),
    ];
    const header = (e: { recipients: string[]; channels: string[] }) =>
      JSON.stringify({ recipientId: e.recipients[0], channel: e.channels[0], letter: '0:1', attempts: 0 });
    const raw = new Kafka({ brokers: TEST_BROKERS, clientId: uniqueName('forger') }).producer();
    await raw.connect();
    await raw.send({
      topic: config.kafka.topics[lane],
      messages: forged.map((e) => ({ key: e.recipients[0], value: JSON.stringify(e), headers: { 'herald-replay': header(e) } })),
    });
    await raw.disconnect();

    const letters = await eventually(async () => {
      const keys = new Set([optedOut, sleeper, capped]);
      const all = (await readWholeTopic(config.kafka.topics.dlq)).filter((m) => m.value.reason === 'replay_refused' && keys.has(m.key ?? ''));
      return all.length >= forged.length ? all : undefined;
    }, 'a replay_refused dead letter for each forged message');
    expect(letters).toHaveLength(forged.length);
    expect(letters[0]!.value).toMatchObject({
      kind: 'invalid_event',
      message: expect.stringContaining('herald dlq replay'),
      source: { topic: config.kafka.topics[lane] },
    });
    // Give a send that would wrongly happen time to happen.
    await sleep(1_500);
    expect(smtp.accepted).toHaveLength(0);
    expect(herald.outboxFiles('sms')).toHaveLength(0);
    for (const e of forged) expect((await api(herald.service, 'GET', `/api/notifications/${e.id}`)).status).toBe(404);
  });
});
