import { HeraldProducer } from '../../../src/client/herald-producer';
import { eventually, testKafka, testRedis, uniqueName } from '../../support/infra';
import { captureLogger } from '../../support/capture-logger';
import { api, startTestService, type TestService } from '../../support/service-harness';
import { holdsUntil, inboxEventIds, isolatedLanes, notificationOf, outcomes, putUser, scheduleState, settledDeliveries } from './time-support';

/**
 * Scheduled sends (event v2 `sendAt` / `delay`) on the real service: held in the schedule store with
 * nothing delivered before their time, fired by the schedule poller within a poll interval of it,
 * refused beyond `scheduling.maxHorizon`, fired once by several workers, and kept across a restart.
 */
describe('scheduled sends on one worker', () => {
  let redis: ReturnType<typeof testRedis>;
  let herald: TestService;
  let producer: HeraldProducer;

  beforeAll(async () => {
    redis = testRedis();
    herald = await startTestService({ config: isolatedLanes({ scheduling: { pollIntervalMs: 500, maxHorizon: '1h' } }), prefix: redis.prefix });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    await putUser(herald.service, 'u-sam', { email: 'sam@example.com', pushTokens: ['tok-sam'] });
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
    await redis.cleanup();
  });

  it('holds an event with sendAt 3 s ahead, sends nothing before then, and sends it within a second of sendAt', async () => {
    const sendAt = Date.now() + 3_000;
    const { id } = await producer.publish({
      type: 'transactional',
      priority: 'high',
      recipients: ['u-sam'],
      channels: ['push'],
      sendAt: new Date(sendAt).toISOString(),
      payload: { title: 'Reminder', message: 'Your appointment starts soon' },
    });

    const held = await scheduleState(herald.service, id, 'scheduled');
    expect(held.schedule?.sendAt).toBe(new Date(sendAt).toISOString());
    expect(held.deliveries).toEqual([]);
    expect(held.meta?.sendAt).toBe(new Date(sendAt).toISOString());

    // Until (just before) sendAt: still held, no delivery record, no push written.
    await holdsUntil(
      sendAt - 150,
      async () => {
        const now = await notificationOf(herald.service, id);
        return now?.schedule?.state === 'scheduled' && now.deliveries.length === 0 && herald.outboxFiles('push').length === 0;
      },
      'nothing delivered before sendAt',
    );

    const [push] = await settledDeliveries(herald.service, id, 1, (d) => d.status === 'sent', 10_000);
    const lateMs = Date.parse(push!.sentAt!) - sendAt;
    expect(lateMs).toBeGreaterThanOrEqual(0);
    // The poller looks every 500 ms; on a loaded machine allow the send itself a little more.
    expect(lateMs).toBeLessThan(1_500);
    expect(herald.outboxFiles('push')).toHaveLength(1);
    await scheduleState(herald.service, id, 'fired');
  });

  it('holds an event with delay 3s from its createdAt (POST /api/notify, bulk lane) and delivers it to the inbox after', async () => {
    const response = await api(herald.service, 'POST', '/api/notify', {
      type: 'transactional',
      priority: 'normal',
      recipients: ['u-sam'],
      channels: ['in_app'],
      delay: '3s',
      payload: { title: 'Later', message: 'Three seconds later' },
    });
    expect(response.status).toBe(202);
    const { id } = response.body as { id: string };

    const held = await scheduleState(herald.service, id, 'scheduled');
    const createdAt = Date.parse(held.meta!.createdAt!);
    const dueAt = createdAt + 3_000;
    expect(held.schedule?.sendAt).toBe(new Date(dueAt).toISOString());
    await holdsUntil(dueAt - 150, async () => !(await inboxEventIds(herald.service, 'u-sam')).includes(id), 'no inbox entry before createdAt + delay');

    const [inApp] = await settledDeliveries(herald.service, id, 1, (d) => d.status === 'delivered', 10_000);
    const lateMs = Date.parse(inApp!.sentAt!) - dueAt;
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(1_500);
    expect(await inboxEventIds(herald.service, 'u-sam')).toContain(id);
    await scheduleState(herald.service, id, 'fired');
  });

  it('refuses a sendAt beyond scheduling.maxHorizon: every delivery failed send_at_too_far, nothing held or sent', async () => {
    const { id } = await producer.publish({
      type: 'transactional',
      priority: 'high',
      recipients: ['u-sam'],
      channels: ['push', 'email'],
      sendAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
      payload: { title: 'Far', message: 'Two hours ahead of a one hour horizon' },
    });
    const records = await settledDeliveries(herald.service, id, 2);
    expect(outcomes(records)).toEqual({ 'u-sam|email': 'failed:send_at_too_far', 'u-sam|push': 'failed:send_at_too_far' });
    expect(records[0]!.detail).toContain('scheduling.maxHorizon');
    const found = await notificationOf(herald.service, id);
    expect(found?.schedule).toBeUndefined();
    expect(herald.outboxFiles('email')).toHaveLength(0);
  });
});

describe('scheduled sends with several workers', () => {
  let redis: ReturnType<typeof testRedis>;
  const name = uniqueName('sched');
  const config = isolatedLanes({ scheduling: { pollIntervalMs: 500 } });
  const groupId = `${name}-group`;
  const running: TestService[] = [];
  let producer: HeraldProducer;

  const start = async (logger = captureLogger()) => {
    const herald = await startTestService({ config, groupId, prefix: redis.prefix, logger: logger.logger });
    running.push(herald);
    return { herald, logs: logger };
  };
  const stop = async (herald: TestService) => {
    running.splice(running.indexOf(herald), 1);
    await herald.stop();
  };
  /** The event ids each capture logged as fired by its schedule poller. */
  const fired = (logs: ReturnType<typeof captureLogger>) =>
    logs
      .lines()
      .filter((l) => l.decision === 'fired')
      .map((l) => String(l.eventId));

  beforeAll(async () => {
    redis = testRedis();
    producer = new HeraldProducer({ kafka: testKafka(), topic: config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    for (const herald of [...running]) await stop(herald);
    await redis.cleanup();
  });

  it('fires each of six due events exactly once between two workers polling the same store', async () => {
    const a = await start();
    const b = await start();
    const users = ['u-w1', 'u-w2', 'u-w3', 'u-w4', 'u-w5', 'u-w6'];
    for (const user of users) await putUser(a.herald.service, user, { pushTokens: [`tok-${user}`] });
    const sendAt = new Date(Date.now() + 3_000).toISOString();
    const ids: string[] = [];
    for (const user of users) {
      ids.push(
        (await producer.publish({ type: 'alert', priority: 'high', recipients: [user], channels: ['push'], sendAt, payload: { title: 'Go', message: 'Now' } }))
          .id,
      );
    }
    for (const id of ids) await scheduleState(a.herald.service, id, 'scheduled');
    for (const id of ids) await settledDeliveries(a.herald.service, id, 1, (d) => d.status === 'sent', 15_000);
    for (const id of ids) await scheduleState(b.herald.service, id, 'fired');

    // Each poller logs 'fired' once it completed an event in the store.
    const firedIds = await eventually(async () => {
      const all = [...fired(a.logs), ...fired(b.logs)];
      return all.length >= ids.length ? all : undefined;
    }, 'six fired log lines');
    expect(firedIds.sort()).toEqual([...ids].sort());
    expect(a.herald.outboxFiles('push').length + b.herald.outboxFiles('push').length).toBe(ids.length);
    await stop(a.herald);
    await stop(b.herald);
  });

  it('keeps a scheduled event across a restart: the worker that took it stops before sendAt, the next one fires it', async () => {
    const first = await start();
    await putUser(first.herald.service, 'u-restart', { pushTokens: ['tok-restart'] });
    const sendAt = Date.now() + 4_000;
    const { id } = await producer.publish({
      type: 'alert',
      priority: 'high',
      recipients: ['u-restart'],
      channels: ['push'],
      sendAt: new Date(sendAt).toISOString(),
      payload: { title: 'Held', message: 'Across a restart' },
    });
    await scheduleState(first.herald.service, id, 'scheduled');
    await stop(first.herald);
    expect(Date.now()).toBeLessThan(sendAt);

    const second = await start();
    const [push] = await settledDeliveries(second.herald.service, id, 1, (d) => d.status === 'sent', 20_000);
    expect(Date.parse(push!.sentAt!)).toBeGreaterThanOrEqual(sendAt);
    await scheduleState(second.herald.service, id, 'fired');
    await eventually(async () => fired(second.logs).length > 0, 'the fired log line');
    expect(fired(second.logs)).toEqual([id]);
    expect(fired(first.logs)).toEqual([]);
    expect(second.herald.outboxFiles('push')).toHaveLength(1);
    // The restart redelivered nothing that would schedule it again: it stays fired, with one delivery.
    expect((await notificationOf(second.herald.service, id))?.deliveries).toHaveLength(1);
  });
});
