import type { Admin } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import type { EventInput } from '../../../src/contract/complete-event';
import { captureLogger } from '../../support/capture-logger';
import { eventually, testKafka, testLogger, testRedis, uniqueName } from '../../support/infra';
import { api, startTestService, type TestService } from '../../support/service-harness';
import { holdsUntil, inboxEventIds, isolatedLanes, notificationOf, putUser, scheduleState, settledDeliveries, sleep } from '../worker/time-support';

/** Waits until `groupId` has committed an offset past `at` on its partition: the message at `at` was handled. */
async function consumedPast(groupId: string, topic: string, at: { partition: number; offset: string }): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await eventually(async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets?.partitions.find((p) => p.partition === at.partition)?.offset ?? '-1';
      return BigInt(committed) > BigInt(at.offset);
    }, `group ${groupId} to commit past ${topic}/${at.partition}/${at.offset}`);
  } finally {
    await admin.disconnect();
  }
}

/**
 * `DELETE /api/notifications/:id` on the real service: a scheduled notification cancelled before its
 * time is never delivered, whatever arrives later from Kafka; what cannot be cancelled says why.
 */
describe('cancelling a scheduled notification', () => {
  let redis: ReturnType<typeof testRedis>;
  let herald: TestService;
  let producer: HeraldProducer;

  beforeAll(async () => {
    redis = testRedis();
    herald = await startTestService({ config: isolatedLanes({ scheduling: { pollIntervalMs: 500 } }), prefix: redis.prefix });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    await putUser(herald.service, 'u-cleo', { pushTokens: ['tok-cleo'] });
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
    await redis.cleanup();
  });

  const reminder = (sendAt: number, extra: Partial<EventInput> = {}): EventInput => ({
    type: 'transactional',
    priority: 'high',
    recipients: ['u-cleo'],
    channels: ['in_app', 'push'],
    sendAt: new Date(sendAt).toISOString(),
    payload: { title: 'Reminder', message: 'Your table is booked' },
    ...extra,
  });
  const cancel = (id: string) => api(herald.service, 'DELETE', `/api/notifications/${id}`);

  it('cancels it (twice answers the same), delivers nothing past its sendAt, and a re-published copy stays cancelled', async () => {
    const sendAt = Date.now() + 5_000;
    const event = reminder(sendAt);
    const { id } = await producer.publish(event);
    await scheduleState(herald.service, id, 'scheduled');

    expect(await cancel(id)).toEqual({ status: 200, body: { id, status: 'cancelled' } });
    expect(await cancel(id)).toEqual({ status: 200, body: { id, status: 'cancelled' } });
    expect((await notificationOf(herald.service, id))?.schedule).toEqual({ state: 'cancelled' });

    // The same event published again (a producer retry): a duplicate, so it cannot come back.
    const copy = await producer.publish({ ...event, id });

    const nothingDelivered = async () => {
      const found = await notificationOf(herald.service, id);
      return (
        found?.schedule?.state === 'cancelled' &&
        found.deliveries.length === 0 &&
        herald.outboxFiles('push').length === 0 &&
        !(await inboxEventIds(herald.service, 'u-cleo')).includes(id)
      );
    };
    await holdsUntil(sendAt + 1_500, nothingDelivered, 'the cancelled notification undelivered');
    // The copy was consumed (its offset committed) and counted as a duplicate.
    await consumedPast(herald.env.KAFKA_GROUP_ID, herald.config.kafka.topics.incoming, copy);
    const metrics = await (await fetch(`${herald.service.url}/metrics`)).text();
    expect(Number(/herald_events_consumed_total\{outcome="duplicate"\} (\d+)/.exec(metrics)?.[1])).toBe(1);
    expect(await nothingDelivered()).toBe(true);
  });

  it('answers 409 already_sent once it fired, 409 not_scheduled for an event sent at once, 404 for an unknown id', async () => {
    const scheduled = await producer.publish(reminder(Date.now() + 1_500, { channels: ['in_app'] }));
    const immediate = await producer.publish(reminder(Date.now(), { sendAt: undefined, channels: ['in_app'] }));
    await settledDeliveries(herald.service, scheduled.id, 1, (d) => d.status === 'delivered', 10_000);
    await settledDeliveries(herald.service, immediate.id, 1, (d) => d.status === 'delivered');
    await scheduleState(herald.service, scheduled.id, 'fired');

    const fired = await cancel(scheduled.id);
    expect(fired.status).toBe(409);
    expect(fired.body).toMatchObject({ error: 'already_sent' });
    const notScheduled = await cancel(immediate.id);
    expect(notScheduled.status).toBe(409);
    expect(notScheduled.body).toMatchObject({ error: 'not_scheduled' });
    const unknown = await cancel(uniqueName('no-such-event'));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'not_found' });
    // None of the refusals changed anything.
    expect((await notificationOf(herald.service, scheduled.id))?.deliveries.map((d) => d.status)).toEqual(['delivered']);
  });
});

/**
 * A Kafka redelivery is the same message again (a worker stopped before committing its offset):
 * unlike a re-published copy it passes dedup as a `redelivery`. One of a cancelled event must neither
 * schedule it again nor deliver it, whether it comes before or after the event's sendAt.
 */
describe('a Kafka redelivery of a cancelled notification', () => {
  let redis: ReturnType<typeof testRedis>;
  let admin: Admin;
  const running: TestService[] = [];

  beforeAll(async () => {
    redis = testRedis();
    admin = testKafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
    for (const herald of running) await herald.stop();
    await redis.cleanup();
  });

  /**
   * Schedules an event `leadMs` ahead and cancels it; stops the worker; once `redeliverAt` (epoch ms,
   * from the sendAt) has passed, rewinds the group's committed offsets to the start, as if the worker
   * had died before committing, and starts the next worker. Resolves once that worker consumed the
   * event again (a later marker event of the same recipient, on the same partition, is committed).
   */
  async function cancelThenRedeliver(leadMs: number, redeliverAt: (sendAt: number) => number) {
    const config = isolatedLanes({ scheduling: { pollIntervalMs: 500 } });
    const groupId = uniqueName('cancel-group');
    const prefix = `${redis.prefix}-${uniqueName('r')}`;
    const logs = captureLogger();
    const start = async (logger = testLogger()) => {
      const herald = await startTestService({ config, groupId, prefix, logger });
      running.push(herald);
      return herald;
    };
    const producer = new HeraldProducer({ kafka: testKafka(), topic: config.kafka.topics.incoming });
    try {
      const first = await start();
      await putUser(first.service, 'u-remy', { pushTokens: ['tok-remy'] });
      const sendAt = Date.now() + leadMs;
      const base: Omit<EventInput, 'payload'> = { type: 'transactional', priority: 'high', recipients: ['u-remy'], channels: ['in_app'] };
      const { id } = await producer.publish({ ...base, sendAt: new Date(sendAt).toISOString(), payload: { title: 'Soon', message: 'Cancel me' } });
      await scheduleState(first.service, id, 'scheduled');
      expect((await api(first.service, 'DELETE', `/api/notifications/${id}`)).status).toBe(200);
      await first.stop();
      running.splice(running.indexOf(first), 1);

      await sleep(redeliverAt(sendAt) - Date.now());
      await admin.resetOffsets({ groupId, topic: config.kafka.topics.incoming, earliest: true });
      const second = await start(logs.logger);
      const marker = await producer.publish({ ...base, payload: { title: 'Marker', message: 'After the redelivery' } });
      await settledDeliveries(second.service, marker.id, 1, (d) => d.status === 'delivered');
      await consumedPast(groupId, config.kafka.topics.incoming, marker);
      return { herald: second, id, sendAt, marker: marker.id, logs };
    } finally {
      await producer.disconnect();
    }
  }

  it('before its sendAt: stays cancelled, not scheduled again, and is not delivered when sendAt passes', async () => {
    const { herald, id, sendAt, marker, logs } = await cancelThenRedeliver(12_000, () => 0);
    expect(Date.now()).toBeLessThan(sendAt);
    // It did come again, and the schedule store answered that it was cancelled.
    // (A redelivery asks the store where the event stands before anything else.)
    expect(
      logs
        .lines()
        .filter((l) => l.eventId === id && l.message === 'redelivered scheduled event left to the schedule store')
        .map((l) => l.state),
    ).toEqual(['cancelled']);
    expect(logs.lines().filter((l) => l.eventId === id && l.decision === 'scheduled')).toEqual([]);
    await holdsUntil(
      sendAt + 1_500,
      async () => {
        const found = await notificationOf(herald.service, id);
        return found?.schedule?.state === 'cancelled' && found.deliveries.length === 0;
      },
      'the redelivered cancelled notification undelivered',
    );
    expect(await inboxEventIds(herald.service, 'u-remy')).toEqual([marker]);
  });

  it('after its sendAt: is not delivered', async () => {
    const { herald, id, marker } = await cancelThenRedeliver(3_000, (sendAt) => sendAt + 500);
    const found = await notificationOf(herald.service, id);
    expect(found?.schedule?.state).toBe('cancelled');
    expect(found?.deliveries).toEqual([]);
    expect(await inboxEventIds(herald.service, 'u-remy')).toEqual([marker]);
  });
});
