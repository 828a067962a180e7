import { HeraldProducer } from '../../../src/client/herald-producer';
import type { EventInput } from '../../../src/contract/complete-event';
import { testKafka, testRedis, uniqueName } from '../../support/infra';
import { startTestService, type TestService } from '../../support/service-harness';
import { inboxEventIds, isolatedLanes, notificationOf, outcomes, putUser, scheduleState, settledDeliveries, shiftedClock } from './time-support';

const MINUTE = 60_000;

/**
 * Stale events on the real service: with `priorities.low.maxAge: 1m`, a low-priority event older than
 * a minute when herald gets to it (age from `sendAt`, else `createdAt`) is recorded `skipped`, reason
 * `stale`, on every delivery, and nothing is sent; a younger one is sent as usual.
 */
describe('events older than their priority maxAge are dropped, not sent late', () => {
  let redis: ReturnType<typeof testRedis>;
  const config = isolatedLanes({
    scheduling: { pollIntervalMs: 500 },
    priorities: {
      critical: { maxLatencyMs: 5_000, batchingAllowed: false, maxAge: '1h' },
      high: { maxLatencyMs: 30_000, batchingAllowed: false, maxAge: '6h' },
      normal: { maxLatencyMs: 600_000, batchingAllowed: true, maxAge: '1d' },
      low: { maxLatencyMs: 3_600_000, batchingAllowed: true, maxAge: '1m' },
    },
  });
  const groupId = uniqueName('stale-group');
  let herald: TestService;
  let producer: HeraldProducer;

  beforeAll(async () => {
    redis = testRedis();
    herald = await startTestService({ config, groupId, prefix: redis.prefix });
    producer = new HeraldProducer({ kafka: testKafka(), topic: config.kafka.topics.incoming });
    await producer.connect();
    await putUser(herald.service, 'u-stan', { pushTokens: ['tok-stan'] });
    await putUser(herald.service, 'u-sue', { pushTokens: ['tok-sue'] });
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
    await redis.cleanup();
  });

  const digest = (extra: Partial<EventInput>): EventInput => ({
    type: 'marketing',
    priority: 'low',
    recipients: ['u-stan'],
    channels: ['in_app', 'push'],
    payload: { title: 'Flash sale', message: 'Ends in ten minutes' },
    ...extra,
  });
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

  it('skips every delivery of an event created 10 minutes ago as stale, sends nothing, and still records an unknown recipient as failed', async () => {
    const { id } = await producer.publish(digest({ recipients: ['u-stan', 'u-sue', 'u-nobody'], createdAt: ago(10 * MINUTE) }));
    const records = await settledDeliveries(herald.service, id, 6);
    expect(outcomes(records)).toEqual({
      'u-nobody|in_app': 'failed:unknown_user',
      'u-nobody|push': 'failed:unknown_user',
      'u-stan|in_app': 'skipped:stale',
      'u-stan|push': 'skipped:stale',
      'u-sue|in_app': 'skipped:stale',
      'u-sue|push': 'skipped:stale',
    });
    expect(records.find((r) => r.reason === 'stale')?.detail).toContain('priorities.low.maxAge');

    // A fresh event of the same kind, published after it on the same partition, is sent.
    const fresh = await producer.publish(digest({ recipients: ['u-stan'] }));
    expect(outcomes(await settledDeliveries(herald.service, fresh.id, 2, (d) => d.status !== 'pending'))).toEqual({
      'u-stan|in_app': 'delivered:',
      'u-stan|push': 'sent:',
    });
    expect(herald.outboxFiles('push')).toHaveLength(1);
    expect(await inboxEventIds(herald.service, 'u-stan')).toEqual([fresh.id]);
    expect(await inboxEventIds(herald.service, 'u-sue')).toEqual([]);
  });

  it('counts age from sendAt: 30 s past is sent at once, 2 minutes past is stale, an old event scheduled ahead is sent when due', async () => {
    const recent = await producer.publish(digest({ recipients: ['u-sue'], channels: ['in_app'], createdAt: ago(10 * MINUTE), sendAt: ago(30_000) }));
    const late = await producer.publish(digest({ recipients: ['u-sue'], channels: ['in_app'], createdAt: ago(10 * MINUTE), sendAt: ago(2 * MINUTE) }));
    const sendAt = Date.now() + 2_000;
    const ahead = await producer.publish(
      digest({ recipients: ['u-sue'], channels: ['in_app'], createdAt: ago(10 * MINUTE), sendAt: new Date(sendAt).toISOString() }),
    );

    expect(outcomes(await settledDeliveries(herald.service, recent.id, 1))).toEqual({ 'u-sue|in_app': 'delivered:' });
    // A past sendAt is not a schedule: the event went straight through, never into the schedule store.
    expect((await notificationOf(herald.service, recent.id))?.schedule).toBeUndefined();
    expect(outcomes(await settledDeliveries(herald.service, late.id, 1))).toEqual({ 'u-sue|in_app': 'skipped:stale' });

    await scheduleState(herald.service, ahead.id, 'scheduled');
    const [fired] = await settledDeliveries(herald.service, ahead.id, 1, (d) => d.status === 'delivered', 10_000);
    expect(Date.parse(fired!.sentAt!)).toBeGreaterThanOrEqual(sendAt);
    expect(await inboxEventIds(herald.service, 'u-sue')).toEqual([ahead.id, recent.id]);
  });

  it('drops a scheduled event as stale when no worker fired it within maxAge of its sendAt (an outage)', async () => {
    const sendAt = Date.now() + 3_000;
    const { id } = await producer.publish(digest({ recipients: ['u-stan'], channels: ['in_app'], sendAt: new Date(sendAt).toISOString() }));
    await scheduleState(herald.service, id, 'scheduled');
    await herald.stop();
    // The next worker comes back two minutes later (its clock says so), past the one-minute maxAge.
    herald = await startTestService({ config, groupId, prefix: redis.prefix, clock: shiftedClock(2 * MINUTE) });
    expect(outcomes(await settledDeliveries(herald.service, id, 1, undefined, 15_000))).toEqual({ 'u-stan|in_app': 'skipped:stale' });
    // Fired (the store is done with it) even though nothing was sent.
    await scheduleState(herald.service, id, 'fired');
    expect(await inboxEventIds(herald.service, 'u-stan')).not.toContain(id);
  });
});
