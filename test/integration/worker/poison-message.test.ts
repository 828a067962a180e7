import { Partitioners, type Producer } from 'kafkajs';
import { createKeys } from '../../../src/redis/keys';
import { eventually, testKafka, testRedis, uniqueName } from '../../support/infra';
import { readWholeTopic } from '../../support/read-topic';
import { api, startTestService, type TestService } from '../../support/service-harness';
import { inboxEventIds, isolatedLanes, putUser } from './time-support';

/**
 * An error a retry cannot cure never holds a partition. Before, `"delay": "100000000000000000000d"`
 * was accepted (202), the worker threw `RangeError: Invalid time value` on it, retried in place every
 * 10 s for ever, and every later event of its partition waited; a restart hit it again.
 */
describe('a message no retry can cure', () => {
  let redis: ReturnType<typeof testRedis>;
  let producer: Producer;
  const running: TestService[] = [];

  beforeAll(async () => {
    redis = testRedis();
    producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    for (const service of running) await service.stop();
    await redis?.cleanup();
  });

  async function start(kafka: Record<string, unknown>): Promise<TestService> {
    const herald = await startTestService({ config: isolatedLanes({ kafka: { partitions: 1, ...kafka } }), prefix: `${redis.prefix}:${running.length}` });
    running.push(herald);
    return herald;
  }

  const event = (recipient: string, extra: Record<string, unknown> = {}) => ({
    version: 2,
    id: uniqueName('evt'),
    type: 'alert',
    priority: 'critical',
    createdAt: new Date().toISOString(),
    recipients: [recipient],
    channels: ['in_app'],
    payload: { title: 'Hi', message: 'there' },
    ...extra,
  });

  it(
    'a delay or sendAt past the Date range or the scheduling horizon is refused at validation: 400 over HTTP, dead-lettered from ' +
      'Kafka, and the next event goes',
    async () => {
      const herald = await start({});
      const user = uniqueName('user');
      await putUser(herald.service, user, {});
      for (const delay of ['100000000000000000000d', '1e400s', `${Number.MAX_SAFE_INTEGER}w`]) {
        const res = await api(herald.service, 'POST', '/api/notify', {
          type: 'alert',
          priority: 'high',
          recipients: [user],
          channels: ['in_app'],
          payload: { message: 'm' },
          delay,
        });
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body.issues)).toContain('delay');
      }
      // Within the Date range but past scheduling.maxHorizon (365 days): refused over HTTP with the setting to change.
      const far = await api(herald.service, 'POST', '/api/notify', {
        type: 'alert',
        priority: 'high',
        recipients: [user],
        channels: ['in_app'],
        payload: { message: 'm' },
        delay: '400d',
      });
      expect(far).toMatchObject({ status: 400, body: { error: 'send_at_too_far', message: expect.stringContaining('scheduling.maxHorizon') } });

      const absurd = event(user, { delay: '100000000000000000000d', priority: 'high' });
      const next = event(user);
      for (const e of [absurd, next]) await producer.send({ topic: herald.config.kafka.topics.incoming, messages: [{ key: user, value: JSON.stringify(e) }] });
      await eventually(async () => (await inboxEventIds(herald.service, user)).includes(next.id), 'the next event of the partition to be delivered');
      const letters = await readWholeTopic(herald.config.kafka.topics.dlq);
      expect(letters.find((m) => m.key === user)?.value).toMatchObject({
        kind: 'invalid_event',
        reason: 'schema_violation',
        issues: [expect.objectContaining({ path: 'delay' })],
      });
    },
  );

  it('a lone surrogate in an id or the payload is refused at validation: dead-lettered from Kafka, 400 over HTTP, and the next event goes', async () => {
    // Before, the event was accepted and every record of its deliveries failed in Redis's cjson ("invalid unicode escape code"), retried for ever.
    const herald = await start({});
    const user = uniqueName('user');
    await putUser(herald.service, user, {});
    const res = await api(herald.service, 'POST', '/api/notify', {
      type: 'alert',
      priority: 'high',
      recipients: [user],
      channels: ['in_app'],
      payload: { message: 'half \ud83d' },
    });
    expect(res).toMatchObject({
      status: 400,
      body: { error: 'invalid_event', issues: [{ path: 'payload.message', message: expect.stringContaining('lone surrogate') }] },
    });

    const broken = event(user, { id: `${uniqueName('evt')}-\ud800` });
    const next = event(user);
    for (const e of [broken, next]) await producer.send({ topic: herald.config.kafka.topics.incoming, messages: [{ key: user, value: JSON.stringify(e) }] });
    await eventually(async () => (await inboxEventIds(herald.service, user)).includes(next.id), 'the next event of the partition to be delivered');
    const letters = await readWholeTopic(herald.config.kafka.topics.dlq);
    expect(letters.find((m) => m.key === user)?.value).toMatchObject({
      kind: 'invalid_event',
      reason: 'schema_violation',
      issues: [{ path: 'id', message: expect.stringContaining('lone surrogate') }],
    });
  });

  it('a message hinted to the bulk lane by its herald-priority header is validated there: invalid ones dead-lettered, critical ones delivered', async () => {
    // Intake forwards a message hinted normal/low unparsed; the hint must never let an invalid event through, nor lose a valid one.
    const herald = await start({});
    const user = uniqueName('user');
    await putUser(herald.service, user, {});
    const hintedCritical = event(user);
    const next = event(user, { priority: 'low' });
    await producer.send({
      topic: herald.config.kafka.topics.incoming,
      messages: [
        { key: user, value: '{"not":"an event"}', headers: { 'herald-priority': 'low' } },
        { key: user, value: JSON.stringify(hintedCritical), headers: { 'herald-priority': 'normal' } },
        { key: user, value: JSON.stringify(next), headers: { 'herald-priority': 'low' } },
      ],
    });
    await eventually(async () => (await inboxEventIds(herald.service, user)).includes(next.id), 'the last event of the partition to be delivered');
    expect(await inboxEventIds(herald.service, user)).toContain(hintedCritical.id);
    const letters = await readWholeTopic(herald.config.kafka.topics.dlq);
    const letter = letters.find((m) => m.key === user)?.value;
    expect(letter).toMatchObject({ kind: 'invalid_event', reason: 'schema_violation', source: { topic: herald.config.kafka.topics.bulk } });
    expect(letters.filter((m) => m.key === user)).toHaveLength(1);
  });

  it('a message stamped before any date (the broker takes -9000000000000000) is dead-lettered with that timestamp, and the next event goes', async () => {
    // Before, writing its letter threw RangeError: Invalid time value, and the message was retried in place for ever.
    const herald = await start({});
    const user = uniqueName('user');
    await putUser(herald.service, user, {});
    const next = event(user);
    await producer.send({
      topic: herald.config.kafka.topics.incoming,
      messages: [
        { key: user, value: '{"not":"an event"}', timestamp: '-9000000000000000' },
        { key: user, value: JSON.stringify(next) },
      ],
    });
    await eventually(async () => (await inboxEventIds(herald.service, user)).includes(next.id), 'the next event of the partition to be delivered');
    const letters = await readWholeTopic(herald.config.kafka.topics.dlq);
    expect(letters.find((m) => m.key === user)?.value).toMatchObject({
      kind: 'invalid_event',
      reason: 'schema_violation',
      source: { timestamp: '-9000000000000000 ms' },
    });
  });

  it(
    'handling that fails the same way kafka.maxHandlingFailures times is dead-lettered handling_failed and the partition moves on; ' +
      're-published once fixed, it is delivered',
    async () => {
      const herald = await start({ maxHandlingFailures: 3 });
      const broken = uniqueName('broken');
      const fine = uniqueName('fine');
      await putUser(herald.service, fine, {});
      // A profile no release of herald wrote: reading it throws the same SyntaxError on every try.
      await redis.redis.set(createKeys(herald.prefix).user(broken), '{not json');
      const poisoned = event(broken);
      const next = event(fine);
      for (const e of [poisoned, next])
        await producer.send({ topic: herald.config.kafka.topics.incoming, messages: [{ key: 'one-key', value: JSON.stringify(e) }] });
      await eventually(async () => (await inboxEventIds(herald.service, fine)).includes(next.id), 'the event behind the poisoned one to be delivered');
      const letter = (await readWholeTopic(herald.config.kafka.topics.dlq)).find((m) => m.value.reason === 'handling_failed');
      expect(letter?.value).toMatchObject({
        kind: 'invalid_event',
        message: expect.stringContaining('3 times'),
        issues: [expect.objectContaining({ message: expect.stringContaining('SyntaxError') })],
      });
      expect(JSON.parse(Buffer.from(letter!.value.rawBase64, 'base64').toString()).id).toBe(poisoned.id);

      // Fixed and re-published (as herald dlq replay would): its dedup claim was released, so it is handled, not dropped as a duplicate.
      await putUser(herald.service, broken, {});
      await producer.send({ topic: herald.config.kafka.topics.incoming, messages: [{ key: 'one-key', value: JSON.stringify(poisoned) }] });
      await eventually(async () => (await inboxEventIds(herald.service, broken)).includes(poisoned.id), 'the re-published event to be delivered');
    },
  );

  it('/readyz reports a partition stuck on one offset longer than kafka.stuckAfterMs, and is ready again once it moves', async () => {
    const herald = await start({ maxHandlingFailures: 1_000, stuckAfterMs: 1_000 });
    const broken = uniqueName('stuck');
    await redis.redis.set(createKeys(herald.prefix).user(broken), '{not json');
    const stuck = event(broken);
    await producer.send({ topic: herald.config.kafka.topics.incoming, messages: [{ key: broken, value: JSON.stringify(stuck) }] });
    const unready = await eventually(async () => {
      const res = await fetch(`${herald.service.url}/readyz`);
      return res.status === 503 ? ((await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> }) : undefined;
    }, '/readyz to report the stuck partition');
    expect(unready.checks.partitions).toMatchObject({
      ok: false,
      detail: expect.stringMatching(new RegExp(`${herald.config.kafka.topics.incoming} partition 0 stuck on offset \\d+ for \\d+ s: .*SyntaxError`)),
    });
    await putUser(herald.service, broken, {});
    await eventually(async () => (await inboxEventIds(herald.service, broken)).includes(stuck.id), 'the stuck event to be delivered once its profile is fixed');
    await eventually(async () => (await fetch(`${herald.service.url}/readyz`)).status === 200, '/readyz to be ready again');
  });
});
