import type { Admin } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { eventually, testKafka, testRedis, uniqueName } from '../../support/infra';
import { spawnService, waitForJoin, writeConfigFile, type ChildService } from '../../support/child-service';
import { startSmtpSink } from '../../support/smtp-sink';

/**
 * The service as a real process: killed with SIGKILL in the middle of a fan-out, and stopped with
 * SIGTERM. Each test has its own topics, group and Redis prefix, shared by the processes it starts.
 */
describe('worker crashes and shutdown', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let producer: HeraldProducer;
  let admin: Admin;
  const children: ChildService[] = [];
  const redis = testRedis();

  beforeAll(async () => {
    smtp = await startSmtpSink();
    admin = testKafka().admin();
    await admin.connect();
  });

  afterEach(async () => {
    smtp.release();
    for (const child of children.splice(0)) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await producer?.disconnect();
  });

  afterAll(async () => {
    await admin.disconnect();
    await smtp.close();
    await redis.cleanup();
  });

  function setup(overrides: Record<string, unknown> = {}) {
    const name = uniqueName('crash');
    const topics = { incoming: `${name}.incoming`, dlq: `${name}.dlq`, status: `${name}.status`, bulk: `${name}.bulk` };
    const configFile = writeConfigFile({
      // The broker's minimum session timeout: a killed member is noticed in seconds, not half a minute.
      kafka: { topics, partitions: 1, sessionTimeoutMs: 6000 },
      // One delivery at a time makes "half-way through the fan-out" a precise point; short lease so the restart takes over quickly.
      channels: { email: { batchSize: 1 } },
      dedup: { sendLeaseMs: 2000 },
      shutdown: { timeoutMs: 5000 },
      ...overrides,
    });
    const env = { HERALD_CONFIG: configFile, KAFKA_GROUP_ID: `${name}-group`, HERALD_REDIS_PREFIX: `${redis.prefix}-${name}`, SMTP_URL: smtp.url };
    producer = new HeraldProducer({ kafka: testKafka(), topic: topics.incoming });
    const start = () => {
      const child = spawnService(env);
      children.push(child);
      return child;
    };
    const committed = async () => {
      const [t] = await admin.fetchOffsets({ groupId: env.KAFKA_GROUP_ID, topics: [topics.incoming] });
      return Number(t!.partitions[0]!.offset);
    };
    return { start, committed };
  }

  const joined = (child: ChildService) => waitForJoin(child, 45_000);

  it('a worker killed mid-fan-out is replaced by one that sends what is missing and nothing twice', async () => {
    const { start } = setup();
    const first = start();
    await joined(first);
    const recipients = [1, 2, 3, 4, 5].map((i) => `email:kill${i}@example.com`);
    smtp.hold('kill3@example.com');
    await producer.publish({ type: 'transactional', priority: 'critical', recipients, channels: ['email'], payload: { message: 'hello' } });
    await eventually(
      async () => smtp.countTo('kill1@example.com') === 1 && smtp.countTo('kill2@example.com') === 1 && smtp.waitingCount() === 1,
      'two sent and the third in flight',
    );

    first.process.kill('SIGKILL');
    await first.exited;
    // The provider never answered the killed worker about kill3, so it was never accepted.
    smtp.release(false);

    const second = start();
    await joined(second);
    await eventually(async () => recipients.every((r) => smtp.countTo(r.slice(6)) >= 1), 'every recipient served after the restart', 45_000);
    // Give a duplicate every chance to show up before counting.
    await new Promise((r) => setTimeout(r, 1500));
    for (const r of recipients) expect(smtp.countTo(r.slice(6))).toBe(1);
  });

  it('SIGTERM after work is done commits it and exits 0 promptly', async () => {
    const { start, committed } = setup();
    const child = start();
    await joined(child);
    for (let i = 0; i < 3; i++)
      await producer.publish({
        type: 'alert',
        priority: 'critical',
        recipients: [`email:term${i}@example.com`],
        channels: ['email'],
        payload: { message: 'x' },
      });
    await eventually(async () => [0, 1, 2].every((i) => smtp.countTo(`term${i}@example.com`) === 1), 'three sent');
    const started = Date.now();
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    if (exit.code !== 0)
      console.log(
        child
          .output()
          .split('\n')
          .filter((l) => !l.includes('kafkajs'))
          .slice(-15)
          .join('\n'),
      );
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await committed()).toBe(3);
  });

  it(
    'SIGTERM while a delivery hangs (within its detach time) exits within the shutdown bound, leaving that event ' + 'uncommitted for the next worker',
    async () => {
      // The attempt is never detached here: this is the path of an attempt still inside retries.detachAfterMs.
      const { start, committed } = setup({ retries: { detachAfterMs: 60_000 } });
      const child = start();
      await joined(child);
      smtp.hold('stuck@example.com');
      await producer.publish({ type: 'alert', priority: 'critical', recipients: ['email:fine@example.com'], channels: ['email'], payload: { message: 'x' } });
      await producer.publish({ type: 'alert', priority: 'critical', recipients: ['email:stuck@example.com'], channels: ['email'], payload: { message: 'y' } });
      await eventually(async () => smtp.waitingCount() === 1 && smtp.countTo('fine@example.com') === 1, 'first sent, second hanging');
      await eventually(async () => (await committed()) === 1, 'first event committed');

      const started = Date.now();
      child.process.kill('SIGTERM');
      const exit = await child.exited;
      expect(Date.now() - started).toBeLessThan(5000 + 2000);
      expect(exit.code).toBe(1);
      expect(child.output()).toContain('shutdown took too long');
      expect(await committed()).toBe(1);

      smtp.release(false);
      const next = start();
      await joined(next);
      await eventually(async () => smtp.countTo('stuck@example.com') === 1, 'the abandoned event delivered by the next worker', 45_000);
      await eventually(async () => (await committed()) === 2, 'and committed');
      expect(smtp.countTo('fine@example.com')).toBe(1);
    },
  );

  it(
    'SIGKILL while a detached delivery hangs: the event was committed behind a safety-net retry, and the next worker sends ' + 'it once from the retry store',
    async () => {
      const { start, committed } = setup({ retries: { detachAfterMs: 500, pollIntervalMs: 100 } });
      const child = start();
      await joined(child);
      smtp.hold('detached@example.com');
      await producer.publish({
        type: 'alert',
        priority: 'critical',
        recipients: ['email:detached@example.com'],
        channels: ['email'],
        payload: { message: 'slow' },
      });
      await producer.publish({
        type: 'alert',
        priority: 'critical',
        recipients: ['email:after@example.com'],
        channels: ['email'],
        payload: { message: 'next' },
      });
      // The partition moved on: the event behind the hung one was sent and both offsets committed.
      await eventually(async () => smtp.countTo('after@example.com') === 1, 'the next event sent while the first still hangs');
      await eventually(async () => (await committed()) === 2, 'both events committed');
      expect(smtp.waitingCount()).toBe(1);
      expect(child.output()).toContain('"decision":"detached"');

      child.process.kill('SIGKILL');
      await child.exited;
      smtp.release(false);
      const next = start();
      await joined(next);
      await eventually(async () => smtp.countTo('detached@example.com') === 1, 'the detached delivery sent by the next worker from the retry store', 30_000);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(smtp.countTo('detached@example.com')).toBe(1);
      expect(smtp.countTo('after@example.com')).toBe(1);
    },
  );

  it('a detached attempt that then fails for good is dead-lettered once: its safety-net retry does not revive it', async () => {
    const { start, committed } = setup({ retries: { detachAfterMs: 300, pollIntervalMs: 100 }, dedup: { sendLeaseMs: 1500 } });
    const child = start();
    await joined(child);
    smtp.hold('doomed@example.com');
    await producer.publish({ type: 'alert', priority: 'critical', recipients: ['email:doomed@example.com'], channels: ['email'], payload: { message: 'no' } });
    await eventually(async () => smtp.waitingCount() === 1 && (await committed()) === 1, 'the attempt held and detached, the event committed');
    // A permanent refusal after the detach: dead-lettered by the background attempt.
    smtp.release(false, 554);
    await eventually(async () => child.output().includes('"decision":"dead-lettered"'), 'the background attempt to dead-letter it');
    // Well past the safety net's due time (the 1.5 s lease): no second attempt, no second dead letter.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(child.output().match(/"decision":"dead-lettered"/g)).toHaveLength(1);
    expect(smtp.rcptAttempts('doomed@example.com')).toBe(1);
  });
});
