import { Kafka } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import type { HeraldConfigInput } from '../../../src/config/schema';
import { eventually, TEST_BROKERS, testKafka, uniqueName } from '../../support/infra';
import { countTopic, readWholeTopic } from '../../support/read-topic';
import { runHerald, startHeraldForCli } from '../../support/run-herald';
import { api, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { deliveryReaching } from '../failures/failure-support';

/**
 * The on-call CLI run as real processes against the real broker and Redis, on a DLQ a running
 * herald filled: one delivery dead-lettered after transient failures (the mailbox recovers), one
 * refused for good, one invalid message. Lists, shows and replays them as on-call would.
 */
describe('herald dlq, status and lag on a real DLQ', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let cliEnv: Record<string, string>;
  let name = '';
  const input: HeraldConfigInput = {
    kafka: { partitions: 2 },
    channels: { email: { maxAttempts: 2, retry: { baseDelayMs: 100, maxDelayMs: 300 }, breaker: { volumeThreshold: 1_000 } } },
    retries: { pollIntervalMs: 100 },
  };
  const ids = { recovers: '', refused: '', invalid: '' };
  const events = { recovers: '', refused: '' };
  const users = { recovers: { id: uniqueName('recovers'), address: '' }, refused: { id: uniqueName('refused'), address: '' } };
  const herald$ = (args: string[], env: Record<string, string> = {}) => runHerald(args, { ...cliEnv, ...env });

  beforeAll(async () => {
    smtp = await startSmtpSink();
    ({ herald, cliEnv, name } = await startHeraldForCli('cli', input, { SMTP_URL: smtp.url }));
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    for (const u of Object.values(users)) {
      u.address = `${u.id}@example.com`;
      expect((await api(herald.service, 'PUT', `/api/users/${u.id}`, { email: u.address })).status).toBe(200);
    }
    // Two 451s use up maxAttempts (2); the mailbox then accepts, as after a provider outage.
    smtp.refuse(users.recovers.address, 451, 2);
    smtp.refuse(users.refused.address, 550);
    const send = (userId: string) =>
      producer.publish({ type: 'transactional', priority: 'high', recipients: [userId], channels: ['email'], payload: { title: 'Receipt', message: 'Paid' } });
    events.recovers = (await send(users.recovers.id)).id;
    events.refused = (await send(users.refused.id)).id;
    const raw = new Kafka({ brokers: TEST_BROKERS, clientId: name }).producer();
    await raw.connect();
    await raw.send({ topic: herald.config.kafka.topics.incoming, messages: [{ key: 'garbage', value: '{"id": "not-an-event", "to": "bob@example.com"' }] });
    await raw.disconnect();
    await deliveryReaching(herald.service, events.recovers, 'email', 'dead-lettered');
    await deliveryReaching(herald.service, events.refused, 'email', 'dead-lettered');
    const letters = await eventually(async () => {
      const all = await readWholeTopic(herald.config.kafka.topics.dlq);
      return all.length >= 3 ? all : undefined;
    }, 'three dead letters');
    for (const m of letters) {
      const letter = m.value as { kind: string; event?: { id: string } };
      const id = `${m.partition}:${m.offset}`;
      if (letter.kind === 'invalid_event') ids.invalid = id;
      else if (letter.event?.id === events.recovers) ids.recovers = id;
      else if (letter.event?.id === events.refused) ids.refused = id;
    }
    expect(Object.values(ids).every(Boolean)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
    await smtp?.close();
  });

  it('dlq list: a table of every dead letter with time, id, event, recipient, channel, provider, attempts and reason', async () => {
    const run = await herald$(['dlq', 'list']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+ID\s+EVENT\s+RECIPIENT\s+CHANNEL\s+PROVIDER\s+ATTEMPTS\s+REASON$/);
    expect(lines).toHaveLength(4);
    const row = (id: string) => lines.find((l) => l.split(/\s+/)[1] === id) ?? '';
    expect(row(ids.recovers).split(/\s+/)).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      ids.recovers,
      events.recovers,
      users.recovers.id,
      'email',
      'smtp',
      '2',
      'smtp_transient',
    ]);
    expect(row(ids.refused)).toContain('smtp_rejected');
    expect(row(ids.invalid).split(/\s+/).slice(1)).toEqual([ids.invalid, '-', '-', '-', '-', '-', 'malformed_json']);
    expect(run.stdout).not.toContain('@example.com');
    expect(run.stderr).toContain('3 dead letters match');
  });

  it('dlq list filters by channel, reason, kind, event and time, limits, and prints JSON lines', async () => {
    const byReason = await herald$(['dlq', 'list', '--reason', 'smtp_transient', '--json']);
    expect(byReason.code).toBe(0);
    expect(
      byReason.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([expect.objectContaining({ id: ids.recovers, eventId: events.recovers, channel: 'email', attempts: 2, kind: 'delivery_failed' })]);
    const invalid = await herald$(['dlq', 'list', '--kind', 'invalid_event', '--json', '-q']);
    expect(
      invalid.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual([ids.invalid]);
    expect((await herald$(['dlq', 'list', '--channel', 'email', '--json'])).stdout.trim().split('\n')).toHaveLength(2);
    expect(
      (await herald$(['dlq', 'list', '--event', events.refused, '--json'])).stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual([ids.refused]);
    const limited = await herald$(['dlq', 'list', '--limit', '1']);
    expect(limited.stdout.trim().split('\n')).toHaveLength(2);
    expect(limited.stderr).toContain('showing the newest 1');
    const future = await herald$(['dlq', 'list', '--since', new Date(Date.now() + 3_600_000).toISOString()]);
    expect(future.code).toBe(0);
    expect(future.stdout).toBe('');
    expect(future.stderr).toContain('no dead letters match');
    expect((await herald$(['dlq', 'list', '--since', '1h', '--json'])).stdout.trim().split('\n')).toHaveLength(3);
  });

  it('dlq list refuses bad options with exit 2 and says what it expects', async () => {
    const since = await herald$(['dlq', 'list', '--since', 'yesterday']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('"yesterday" is neither a duration');
    const channel = await herald$(['dlq', 'list', '--channel', 'fax']);
    expect(channel.code).toBe(2);
    expect(channel.stderr).toContain('use one of email, sms, push, in_app, webhook');
  });

  it('dlq show: everything about one letter, where its delivery stands now, addresses redacted unless --reveal', async () => {
    const shown = await herald$(['dlq', 'show', ids.refused]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Dead letter ${ids.refused} on ${name}.dlq`);
    expect(shown.stdout).toMatch(/reason\s+smtp_rejected/);
    expect(shown.stdout).toMatch(new RegExp(`delivery\\s+recipient ${users.refused.id}, channel email, provider smtp, 1 attempt, permanent error`));
    expect(shown.stdout).toMatch(/now\s+dead-lettered, 1 attempt, updated /);
    expect(shown.stdout).toContain(`herald dlq replay --id ${ids.refused} --dry-run`);
    expect(shown.stdout).not.toContain(users.refused.address);

    const invalid = await herald$(['dlq', 'show', ids.invalid]);
    expect(invalid.stdout).toMatch(/source\s+.*\.incoming partition \d offset \d+ \(key garbage/);
    // Without --reveal the raw bytes are not decoded at all, only their size is shown.
    expect(invalid.stdout).toMatch(/"raw": "\[redacted: \d+ bytes\]"/);
    expect(invalid.stdout).not.toContain('bob@example.com');
    const revealed = await herald$(['dlq', 'show', ids.invalid, '--reveal', '--json']);
    expect(JSON.parse(revealed.stdout)).toMatchObject({ id: ids.invalid, kind: 'invalid_event', raw: '{"id": "not-an-event", "to": "bob@example.com"' });
  });

  it('dlq show: exit 3 for a letter that does not exist, exit 2 for an id that is not partition:offset', async () => {
    const missing = await herald$(['dlq', 'show', '0:999999']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no dead letter 0:999999');
    const bad = await herald$(['dlq', 'show', 'evt-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('use <partition>:<offset>');
  });

  it('dlq replay needs a selection, and --dry-run changes nothing', async () => {
    const none = await herald$(['dlq', 'replay']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('say which dead letters to replay');
    const before = await countTopic(herald.config.kafka.topics.incoming);
    const dry = await herald$(['dlq', 'replay', '--all', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(`${ids.recovers}\\s+${events.recovers}\\s+${users.recovers.id}\\s+email\\s+replay\\s+dead-lettered after 2 attempts; one more try`),
    );
    expect(dry.stdout).toMatch(new RegExp(`${ids.invalid}\\s+-\\s+-\\s+-\\s+skip\\s+still invalid \\(malformed_json\\)`));
    expect(dry.stderr).toContain('dry run: would replay 2, skip 1; nothing changed');
    expect(await countTopic(herald.config.kafka.topics.incoming)).toBe(before);
    expect(await deliveryReaching(herald.service, events.recovers, 'email', 'dead-lettered')).not.toHaveProperty('replays');
  });

  it('dlq replay of a recovered mailbox sends it once; replaying it again sends nothing', async () => {
    const replay = await herald$(['dlq', 'replay', '--id', ids.recovers, '--wait', '30']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(new RegExp(`${ids.recovers}\\s+${events.recovers}\\s+${users.recovers.id}\\s+email\\s+sent`));
    expect(replay.stderr).toContain('replayed 1, skipped 0');
    expect(smtp.countTo(users.recovers.address)).toBe(1);
    const record = await deliveryReaching(herald.service, events.recovers, 'email', 'sent');
    expect(record).toMatchObject({ attempts: 3, replays: 1 });

    const again = await herald$(['dlq', 'replay', '--id', ids.recovers]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/skip\s+already sent \(sent\); never sent twice/);
    expect(await metricValue('herald_replays_total', 'sent')).toBe(1);
    // A replay message published by hand on the intake topic is refused, never handled: only the CLI replays, through herald's own stores.
    const target = JSON.stringify({ recipientId: users.recovers.id, channel: 'email', letter: ids.recovers, attempts: 2 });
    const event = {
      version: 2,
      id: events.recovers,
      type: 'transactional',
      priority: 'high',
      createdAt: new Date().toISOString(),
      recipients: [users.recovers.id],
      channels: ['email'],
      payload: { title: 'Receipt', message: 'Paid' },
    };
    const raw = new Kafka({ brokers: TEST_BROKERS, clientId: name }).producer();
    await raw.connect();
    await raw.send({
      topic: herald.config.kafka.topics.incoming,
      messages: [{ key: users.recovers.id, value: JSON.stringify(event), headers: { 'herald-replay': target } }],
    });
    await raw.disconnect();
    await eventually(
      async () => (await readWholeTopic(herald.config.kafka.topics.dlq)).some((m) => m.value.reason === 'replay_refused'),
      'the hand-made replay message to be refused',
    );
    expect(smtp.countTo(users.recovers.address)).toBe(1);
  });

  it('dlq replay of a delivery that fails again returns it to the DLQ with its attempt count, once (no loop)', async () => {
    const replay = await herald$(['dlq', 'replay', '--id', ids.refused, '--wait', '30']);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(new RegExp(`${ids.refused}\\s+${events.refused}\\s+${users.refused.id}\\s+email\\s+dead-lettered`));
    expect(replay.stderr).toContain('1 did not go out');
    const letters = (await readWholeTopic(herald.config.kafka.topics.dlq)).filter((m) => m.key === events.refused).map((m) => m.value);
    expect(letters.map((l) => l.delivery.attempts)).toEqual([1, 2]);
    // Nothing replays by itself: a while later there is still exactly one new letter.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await readWholeTopic(herald.config.kafka.topics.dlq)).filter((m) => m.key === events.refused)).toHaveLength(2);
  });

  it('status: where each delivery of an event stands; exit 3 for an unknown event', async () => {
    const run = await herald$(['status', events.recovers]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Event ${events.recovers}`);
    expect(run.stdout).toMatch(/type transactional, priority high/);
    expect(run.stdout).toMatch(new RegExp(`${users.recovers.id}\\s+email\\s+sent\\s+3\\s+smtp`));
    const json = JSON.parse((await herald$(['status', events.refused, '--json'])).stdout);
    expect(json.deliveries).toEqual([expect.objectContaining({ recipientId: users.refused.id, channel: 'email', status: 'dead-lettered' })]);
    const unknown = await herald$(['status', 'no-such-event']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('no record of event no-such-event');
  });

  it('lag: committed offset, end and lag per partition of the intake and bulk groups', async () => {
    const run = await herald$(['lag', '--json']);
    expect(run.code).toBe(0);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const groupId = herald.env.KAFKA_GROUP_ID;
    expect(rows.map((r) => `${r.groupId} ${r.topic} ${r.partition}`)).toEqual([
      `${groupId} ${name}.incoming 0`,
      `${groupId} ${name}.incoming 1`,
      `${groupId}.bulk ${name}.bulk 0`,
      `${groupId}.bulk ${name}.bulk 1`,
    ]);
    const table = await herald$(['lag']);
    expect(table.stdout.split('\n')[0]).toMatch(/^GROUP\s+TOPIC\s+PARTITION\s+COMMITTED\s+END\s+LAG$/);
    expect(table.stderr).toContain(`${groupId}: `);
  });

  it('says which dependency is unreachable and exits 4', async () => {
    const kafka = await herald$(['dlq', 'list'], { KAFKA_BROKERS: '127.0.0.1:1' });
    expect(kafka.code).toBe(4);
    expect(kafka.stderr).toContain('cannot reach Kafka at 127.0.0.1:1');
    expect(kafka.stderr).toContain('KAFKA_BROKERS');
    const redis = await herald$(['status', events.recovers], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(redis.code).toBe(4);
    expect(redis.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
  });

  async function metricValue(metric: string, outcome: string): Promise<number> {
    const text = await (await fetch(`${herald.service.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${metric}{outcome="${outcome}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }
});
