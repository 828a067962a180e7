import { Kafka } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import type { HeraldConfigInput } from '../../../src/config/schema';
import { eventually, TEST_BROKERS, testKafka, uniqueName } from '../../support/infra';
import { readWholeTopic } from '../../support/read-topic';
import { runHerald, startHeraldForCli } from '../../support/run-herald';
import { api, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { deliveryReaching } from '../failures/failure-support';

/**
 * Replays of the two other kinds of dead letters: a digest that failed for good (each of its events
 * is retried on its own), and an invalid message that is a valid event now (re-published as it was).
 */
describe('herald dlq replay of digests and invalid messages', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let cliEnv: Record<string, string>;
  let name = '';
  const input: HeraldConfigInput = {
    kafka: { partitions: 1 },
    channels: { email: { maxAttempts: 1, breaker: { volumeThreshold: 1_000 } } },
    retries: { pollIntervalMs: 100 },
    batching: { pollIntervalMs: 200, rules: [{ name: 'email-2s', channel: 'email', window: { every: '2s' } }] },
  };

  beforeAll(async () => {
    smtp = await startSmtpSink();
    ({ herald, cliEnv, name } = await startHeraldForCli('replay', input, { SMTP_URL: smtp.url }));
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
    await smtp?.close();
  });

  it('a failed digest: each of its events is replayed on its own and sent once', async () => {
    const user = uniqueName('digest-user');
    const address = `${user}@example.com`;
    expect((await api(herald.service, 'PUT', `/api/users/${user}`, { email: address })).status).toBe(200);
    // The digest is refused once (permanent), then the mailbox works again.
    smtp.refuse(address, 550, 1);
    const events = [];
    for (const n of [1, 2])
      events.push(
        (
          await producer.publish({
            type: 'marketing',
            priority: 'low',
            recipients: [user],
            channels: ['email'],
            payload: { title: `News ${n}`, message: 'Read on' },
          })
        ).id,
      );
    for (const id of events) await deliveryReaching(herald.service, id, 'email', 'dead-lettered');
    const letter = await eventually(
      async () => (await readWholeTopic(herald.config.kafka.topics.dlq)).find((m) => m.value.kind === 'digest_failed' && m.value.digest.recipientId === user),
      'the digest dead letter',
    );
    const id = `${letter.partition}:${letter.offset}`;

    const listed = await runHerald(['dlq', 'list', '--kind', 'digest_failed', '--recipient', user, '--json'], cliEnv);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([expect.objectContaining({ id, kind: 'digest_failed', eventId: events.join(','), channel: 'email', reason: 'smtp_rejected' })]);

    const replay = await runHerald(['dlq', 'replay', '--id', id, '--wait', '30'], cliEnv);
    expect(replay.code).toBe(0);
    for (const event of events)
      expect(replay.stdout).toMatch(new RegExp(`${id}\\s+${event}\\s+${user}\\s+email\\s+replay\\s+dead-lettered after 1 attempt; one more try`));
    expect(replay.stderr).toContain('replayed 2, skipped 0');
    for (const event of events) expect(await deliveryReaching(herald.service, event, 'email', 'sent')).toMatchObject({ replays: 1 });
    // Two single emails now, besides the refused digest: each event once.
    expect(smtp.countTo(address)).toBe(2);
  });

  it('an invalid message that is a valid event now is re-published with its key; one still invalid is not', async () => {
    const user = uniqueName('inbox-user');
    expect((await api(herald.service, 'PUT', `/api/users/${user}`, {})).status).toBe(200);
    // As an earlier herald with a stricter schema would have dead-lettered it: the bytes are a valid event today.
    const event = {
      version: 2,
      id: uniqueName('evt'),
      type: 'alert',
      priority: 'high',
      createdAt: new Date().toISOString(),
      recipients: [user],
      channels: ['in_app'],
      payload: { title: 'Back', message: 'Valid now' },
    };
    const letter = (raw: string, offset: string) => ({
      kind: 'invalid_event',
      reason: 'schema_violation',
      message: 'rejected by an earlier schema',
      issues: [],
      source: { topic: herald.config.kafka.topics.incoming, partition: 0, offset, key: user, timestamp: new Date().toISOString() },
      rawBase64: Buffer.from(raw).toString('base64'),
      failedAt: new Date().toISOString(),
    });
    const kafka = new Kafka({ brokers: TEST_BROKERS, clientId: name }).producer();
    await kafka.connect();
    await kafka.send({
      topic: herald.config.kafka.topics.dlq,
      messages: [
        { key: user, value: JSON.stringify(letter(JSON.stringify(event), '7')), headers: { 'herald-dlq-kind': 'invalid_event' } },
        { key: user, value: JSON.stringify(letter('{"version": 9}', '8')), headers: { 'herald-dlq-kind': 'invalid_event' } },
      ],
    });
    await kafka.disconnect();

    const run = await runHerald(['dlq', 'replay', '--kind', 'invalid_event', '--reason', 'schema_violation'], cliEnv);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`\\s${event.id}\\s+-\\s+-\\s+republish\\s+valid now; back to ${name}\\.incoming`));
    expect(run.stdout).toMatch(/skip\s+still invalid \(unknown_version\)/);
    expect(run.stderr).toContain('replayed 1, skipped 1');
    const sent = await deliveryReaching(herald.service, event.id, 'in_app', 'delivered');
    expect(sent.recipientId).toBe(user);
    const republished = (await readWholeTopic(herald.config.kafka.topics.incoming)).filter((m) => m.value?.id === event.id);
    expect(republished).toEqual([
      expect.objectContaining({ key: user, headers: expect.objectContaining({ 'herald-replayed-from': expect.stringMatching(/^0:\d+$/) }) }),
    ]);
  });

  it('a letter forged on the DLQ topic replays nothing, and a real replay to a person who opted out since is skipped at send time', async () => {
    const user = uniqueName('forged-user');
    const address = `${user}@example.com`;
    expect((await api(herald.service, 'PUT', `/api/users/${user}`, { email: address })).status).toBe(200);
    // A real dead letter: the mailbox refuses once, for good.
    smtp.refuse(address, 550, 1);
    const real = (
      await producer.publish({
        type: 'transactional',
        priority: 'high',
        recipients: [user],
        channels: ['email'],
        payload: { title: 'Receipt', message: 'Paid' },
      })
    ).id;
    await deliveryReaching(herald.service, real, 'email', 'dead-lettered');
    const realLetter = await eventually(
      async () => (await readWholeTopic(herald.config.kafka.topics.dlq)).find((m) => m.value.kind === 'delivery_failed' && m.value.event.id === real),
      'the real dead letter',
    );
    // The letter keeps no payload and no recipients: the event stays in Redis, where replay takes it from.
    expect(realLetter.value.event).toEqual({
      id: real,
      type: 'transactional',
      priority: 'high',
      createdAt: expect.any(String),
      channels: ['email'],
      recipientCount: 1,
    });

    // Forged letters: an event herald never saw, and the real event naming a recipient it does not have.
    const forged = (eventId: string, recipientId: string) => ({
      kind: 'delivery_failed',
      reason: 'smtp_transient',
      message: 'forged',
      failedAt: new Date().toISOString(),
      event: { id: eventId, type: 'marketing', priority: 'low', createdAt: new Date().toISOString(), channels: ['email'] },
      delivery: { recipientId, channel: 'email', provider: 'smtp', attempts: 1, retriable: true },
    });
    const kafka = new Kafka({ brokers: TEST_BROKERS, clientId: name }).producer();
    await kafka.connect();
    await kafka.send({
      topic: herald.config.kafka.topics.dlq,
      messages: [
        { key: 'x', value: JSON.stringify(forged(uniqueName('never-seen'), user)), headers: { 'herald-dlq-kind': 'delivery_failed' } },
        { key: 'x', value: JSON.stringify(forged(real, `${user}-victim`)), headers: { 'herald-dlq-kind': 'delivery_failed' } },
      ],
    });
    await kafka.disconnect();
    const forgedRun = await runHerald(['dlq', 'replay', '--reason', 'smtp_transient', '--since', '10m'], cliEnv);
    expect(forgedRun.code).toBe(0);
    expect(forgedRun.stdout).toContain('herald holds no recorded event with this id');
    expect(forgedRun.stdout).toContain('the recorded event has no such recipient and channel');
    expect(forgedRun.stderr).toContain('replayed 0, skipped 2');

    // The person opts out of email; the real replay is reopened, and its try skipped at send time.
    expect((await api(herald.service, 'PUT', `/api/users/${user}`, { email: address, preferences: { channels: { email: false } } })).status).toBe(200);
    const id = `${realLetter.partition}:${realLetter.offset}`;
    const replay = await runHerald(['dlq', 'replay', '--id', id, '--wait', '30'], cliEnv);
    expect(replay.stdout).toMatch(new RegExp(`${id}\\s+${real}\\s+${user}\\s+email\\s+skipped`));
    expect(await deliveryReaching(herald.service, real, 'email', 'skipped')).toMatchObject({ reason: 'opted_out_channel', replays: 1 });
    await eventually(
      async () => (await (await fetch(`${herald.service.url}/metrics`)).text()).includes('herald_replays_total{outcome="skipped"} 1'),
      'the skipped replay to be counted',
    );
    expect(smtp.countTo(address)).toBe(0);
  });

  it('dlq show prints the letter of a message nested 20,000 levels deep: its size without --reveal, its text with it, never a stack overflow', async () => {
    const deep = `{"id":"deep-${uniqueName('x')}","payload":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
    const letter = {
      kind: 'invalid_event',
      reason: 'too_deep',
      message: 'nested deeper than 64 levels',
      issues: [],
      source: { topic: herald.config.kafka.topics.incoming, partition: 0, offset: '99', key: null, timestamp: new Date().toISOString() },
      rawBase64: Buffer.from(deep).toString('base64'),
      failedAt: new Date().toISOString(),
    };
    const kafka = new Kafka({ brokers: TEST_BROKERS, clientId: name }).producer();
    await kafka.connect();
    const [written] = await kafka.send({
      topic: herald.config.kafka.topics.dlq,
      messages: [{ key: null, value: JSON.stringify(letter), headers: { 'herald-dlq-kind': 'invalid_event' } }],
    });
    await kafka.disconnect();
    const id = `${written!.partition}:${written!.baseOffset}`;
    const hidden = await runHerald(['dlq', 'show', id], cliEnv);
    expect(hidden).toMatchObject({ code: 0, stdout: expect.stringContaining(`"raw": "[redacted: ${deep.length} bytes]"`) });
    const revealed = await runHerald(['dlq', 'show', id, '--reveal', '--json'], cliEnv);
    expect(revealed.code).toBe(0);
    expect(JSON.parse(revealed.stdout).raw).toBe(deep);
  });
});
