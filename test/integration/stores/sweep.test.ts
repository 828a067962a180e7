import { parseConfig } from '../../../src/config/load-config';
import type { HeraldConfig } from '../../../src/config/schema';
import type { Channel } from '../../../src/contract/vocabulary';
import type { EventV2 } from '../../../src/contract/event-v2';
import { createDeliveryStore, deliveryIdOf, type DeliveryRef, type DeliveryStore } from '../../../src/delivery-state/delivery-store';
import { createRetryStore, retryItemOf, type RetryItem, type RetryStore } from '../../../src/retries/retry-store';
import { isResolved, resolveForChannel, resolveRecipient } from '../../../src/recipients/resolve-recipient';
import { createUserDirectory, type UserDirectory } from '../../../src/recipients/user-directory';
import { userProfileSchema } from '../../../src/recipients/user-profile';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import { createSweep, type SweepDeps, type SweepItemKind } from '../../../src/sweep/sweep';
import { captureLogger } from '../../support/capture-logger';
import { eventually, testRedis } from '../../support/infra';
import { sampleEventV2 } from './retry-fixtures';

const START = Date.UTC(2026, 0, 31, 9, 0, 0);
const LEASE_MS = 60_000;
const STUCK_MS = 300_000;
const BOB = 'email:bob@example.com';

describe('verification sweep on real Redis', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let t: number;
  const clock = { now: () => t };
  let config: HeraldConfig;
  let deliveries: DeliveryStore;
  let retries: RetryStore;
  let directory: UserDirectory;
  let capture: ReturnType<typeof captureLogger>;
  let observed: [SweepItemKind, number][];

  beforeEach(async () => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    t = START;
    config = parseConfig({});
    deliveries = createDeliveryStore({ redis: infra.redis, keys, clock, retentionSeconds: 86_400, leaseMs: LEASE_MS });
    retries = createRetryStore({ redis: infra.redis, keys, clock });
    directory = createUserDirectory({ redis: infra.redis, keys });
    await directory.put('ada', userProfileSchema.parse({ email: 'ada@example.com' }));
    capture = captureLogger();
    observed = [];
  });
  afterEach(() => infra.cleanup());

  const sweepOf = (over: Partial<SweepDeps> = {}) =>
    createSweep({
      redis: infra.redis,
      keys,
      clock,
      logger: capture.logger,
      deliveries,
      retries,
      directory,
      config,
      owner: 'worker-a',
      observe: (kind, n) => observed.push([kind, n]),
      ...over,
    });

  /** An event id with `|` in it, so the sweep must tell the readings of its delivery ids apart. */
  const eventOf = (id = 'order|42', recipients = ['ada', BOB]): EventV2 => ({ ...sampleEventV2(id), recipients, channels: ['email'] });

  /** What intake does before dispatching: store the event's JSON in the meta, then record `pending`. */
  async function intake(event: EventV2, recipientIds: string[], channel: Channel = 'email'): Promise<DeliveryRef[]> {
    await deliveries.recordEvent(event.id, { type: event.type, event: JSON.stringify(event) });
    const refs = recipientIds.map((recipientId) => ({ eventId: event.id, recipientId, channel }));
    for (const ref of refs) expect(await deliveries.set(ref, 'pending')).toBe(true);
    return refs;
  }

  const storedRetries = async (channel: Channel = 'email') =>
    Object.values(await infra.redis.hgetall(keys.retryItems(channel))).map((raw) => JSON.parse(raw) as RetryItem);
  const indexed = () => infra.redis.zrange(keys.inflight(), '0', '-1');

  it('re-queues a delivery stuck in pending exactly once, with the item retryItemOf builds and a recipient that resolves again', async () => {
    const event = eventOf();
    const bob = await resolveRecipient(BOB, directory);
    if (!isResolved(bob)) throw new Error('bob should resolve');
    const refs = await intake(event, ['ada', bob.recipientId]);

    // Not stuck yet: nothing happens before stuckAfterMs.
    t += STUCK_MS - 1;
    expect(await sweepOf().runOnce()).toMatchObject({ ran: true, requeued: 0, cleaned: 0, left: 0 });
    expect(await storedRetries()).toEqual([]);

    t += 1;
    expect(await sweepOf().runOnce()).toEqual({ ran: true, requeued: 2, cleaned: 0, failed: 0, left: 0, overdueScheduled: 0, errors: 0 });
    const items = (await storedRetries()).sort((a, b) => a.recipientId.localeCompare(b.recipientId));
    expect(items).toHaveLength(2);
    for (const item of items) expect(await retries.dueAt('email', item.deliveryId)).toBe(t);

    const ada = await resolveRecipient('ada', directory);
    if (!isResolved(ada)) throw new Error('ada should resolve');
    const lastError = { code: 'sweep_requeued', message: expect.stringContaining('re-queued by the verification sweep') as unknown as string };
    expect(items).toEqual(
      [retryItemOf(event, ada, 'email', 0, lastError, t), retryItemOf(event, bob, 'email', 0, lastError, t)].sort((a, b) =>
        a.recipientId.localeCompare(b.recipientId),
      ),
    );
    expect(items.map((i) => i.deliveryId).sort()).toEqual(refs.map(deliveryIdOf).sort());
    // What the retry poller does with an item: resolve its recipient again for the channel.
    for (const item of items) {
      const found = await resolveForChannel(item.recipient, item.channel, directory, config.channels.webhook);
      expect(found).toMatchObject({ recipient: { recipientId: item.recipientId } });
    }
    // The records are untouched: the retry poller sends them through the send-once ledger.
    for (const ref of refs) expect(await deliveries.get(ref)).toMatchObject({ status: 'pending' });

    const requeued = capture.lines().filter((l) => l.decision === 'requeued');
    expect(requeued).toHaveLength(2);
    expect(requeued[0]).toMatchObject({ level: 'warn', eventId: event.id, channel: 'email', status: 'pending', stuckForMs: STUCK_MS });
    expect(capture.text()).not.toContain('bob@example.com');
    expect(
      capture
        .lines()
        .filter((l) => l.decision === 'swept')
        .at(-1),
    ).toMatchObject({ level: 'info', checked: 2, requeued: 2, cleaned: 0 });
    expect(observed).toEqual([['stuck_requeued', 2]]);
  });

  it('does not re-queue again before another stuckAfterMs, nor duplicate or replace a retry already stored', async () => {
    const [ref] = await intake(eventOf(), ['ada']);
    t += STUCK_MS;
    expect(await sweepOf().runOnce()).toMatchObject({ requeued: 1 });
    const [first] = await storedRetries();

    // The index score was touched: a run right after finds nothing old enough.
    t += 1_000;
    expect(await sweepOf().runOnce()).toMatchObject({ ran: true, requeued: 0, left: 0 });
    // Another stuckAfterMs later it is looked at again, and the waiting retry is kept as it was.
    t += STUCK_MS;
    expect(await sweepOf().runOnce()).toMatchObject({ ran: true, requeued: 0, left: 1 });
    expect(await storedRetries()).toEqual([first]);
    expect(await indexed()).toEqual([deliveryIdOf(ref!)]);
    expect(observed).toEqual([['stuck_requeued', 1]]);
  });

  it('cleans index entries of deliveries no longer in flight, or gone', async () => {
    const [ref] = await intake(eventOf(), ['ada']);
    await deliveries.begin(ref!, 'smtp');
    await deliveries.set(ref!, 'sent');
    expect(await indexed()).toEqual([]);
    // A redelivered event indexes it again before its `pending` is refused: a stale entry.
    expect(await deliveries.set(ref!, 'pending')).toBe(false);
    // And an entry whose record expired with its hash.
    const gone = deliveryIdOf({ eventId: 'expired-evt', recipientId: 'ada', channel: 'sms' });
    await infra.redis.zadd(keys.inflight(), t, gone);

    t += STUCK_MS;
    expect(await sweepOf().runOnce()).toMatchObject({ ran: true, requeued: 0, cleaned: 2 });
    expect(await indexed()).toEqual([]);
    expect(await storedRetries()).toEqual([]);
    expect(await deliveries.get(ref!)).toMatchObject({ status: 'sent' });
    expect(observed).toEqual([['stale_index_cleaned', 2]]);
  });

  it('leaves a sending delivery with a live lease alone, and re-queues it once the lease expired', async () => {
    const [ref] = await intake(eventOf(), ['ada']);
    t += STUCK_MS;
    await deliveries.begin(ref!, 'smtp');
    t += LEASE_MS - 1;
    expect(await sweepOf().runOnce()).toMatchObject({ ran: true, requeued: 0, left: 1 });
    expect(await storedRetries()).toEqual([]);
    expect(await deliveries.get(ref!)).toMatchObject({ status: 'sending', leaseUntil: START + STUCK_MS + LEASE_MS });

    t += 1;
    expect(await sweepOf().runOnce()).toMatchObject({ ran: true, requeued: 1, left: 0 });
    const [item] = await storedRetries();
    expect(item).toMatchObject({
      deliveryId: deliveryIdOf(ref!),
      attempts: 1,
      lastError: { code: 'sweep_requeued', message: expect.stringContaining('still sending') },
    });
  });

  it('marks a stuck delivery failed when its event JSON is gone, and drops it from the index', async () => {
    const event = eventOf('evt-expired');
    const [ref] = await intake(event, ['ada']);
    await infra.redis.del(keys.notificationMeta(event.id));
    t += STUCK_MS;
    expect(await sweepOf().runOnce()).toMatchObject({ ran: true, requeued: 0, failed: 1 });
    expect(await deliveries.get(ref!)).toMatchObject({
      status: 'failed',
      reason: 'sweep_event_missing',
      detail: expect.stringContaining('its event is no longer stored'),
    });
    expect(await storedRetries()).toEqual([]);
    expect(await indexed()).toEqual([]);
    expect(observed).toEqual([['stuck_failed', 1]]);
  });

  it('leaves a delivery whose event JSON is gone alone while a retry, which carries the event, still waits for it', async () => {
    const event = eventOf('evt-expired-retried', ['ada']);
    const [ref] = await intake(event, ['ada']);
    const ada = await resolveRecipient('ada', directory);
    if (!isResolved(ada)) throw new Error('ada should resolve');
    await retries.schedule(retryItemOf(event, ada, 'email', 0, { code: 'detached', message: 'safety net' }, t), t + LEASE_MS);
    await infra.redis.del(keys.notificationMeta(event.id));
    t += STUCK_MS;
    expect(await sweepOf().runOnce()).toMatchObject({ ran: true, failed: 0, left: 1 });
    expect(await deliveries.get(ref!)).toMatchObject({ status: 'pending' });
    expect(await storedRetries()).toMatchObject([{ lastError: { code: 'detached' } }]);
  });

  it('marks a stuck delivery failed when its user left the directory', async () => {
    const [ref] = await intake(eventOf('evt-gone-user', ['cy']), ['cy']);
    t += STUCK_MS;
    expect(await sweepOf().runOnce()).toMatchObject({ failed: 1 });
    expect(await deliveries.get(ref!)).toMatchObject({ status: 'failed', reason: 'unknown_user', detail: expect.stringContaining('no user "cy"') });
  });

  it('lets only one of two racing workers run', async () => {
    await intake(eventOf(), ['ada']);
    t += STUCK_MS;
    const reports = await Promise.all([sweepOf().runOnce(), sweepOf({ owner: 'worker-b' }).runOnce()]);
    expect(reports.map((r) => r.ran).sort()).toEqual([false, true]);
    expect(reports.find((r) => !r.ran)).toEqual({ ran: false, requeued: 0, cleaned: 0, failed: 0, left: 0, overdueScheduled: 0, errors: 0 });
    expect(await storedRetries()).toHaveLength(1);
    // The lock was released at the end of the run.
    expect(await infra.redis.exists(keys.lock('sweep'))).toBe(0);
  });

  it('fires overdue scheduled events with lateAfterMs and the batch, and reports how many', async () => {
    config = parseConfig({ sweep: { lateAfterMs: 45_000, batch: 7 } });
    const calls: [number, number][] = [];
    const report = await sweepOf({
      fireOverdueScheduled: async (lateAfterMs, limit) => {
        calls.push([lateAfterMs, limit]);
        return 3;
      },
    }).runOnce();
    expect(calls).toEqual([[45_000, 7]]);
    expect(report).toMatchObject({ ran: true, overdueScheduled: 3 });
    expect(observed).toEqual([['scheduled_overdue', 3]]);
  });

  it('a failure to fire scheduled events is logged and counted; the run still ends and frees the lock', async () => {
    const runs: string[] = [];
    const report = await sweepOf({ fireOverdueScheduled: () => Promise.reject(new Error('schedule store down')), observeRun: (o) => runs.push(o) }).runOnce();
    expect(report).toMatchObject({ ran: true, errors: 1 });
    expect(runs).toEqual(['ran']);
    expect(capture.lines().find((l) => l.level === 'error')).toMatchObject({ error: 'Error: schedule store down' });
    expect(await infra.redis.exists(keys.lock('sweep'))).toBe(0);
  });

  it('start() sweeps every interval until stop()', async () => {
    config = parseConfig({ sweep: { intervalMs: 50 } });
    const runs: string[] = [];
    await intake(eventOf(), ['ada']);
    t += STUCK_MS;
    const sweep = sweepOf({ observeRun: (o) => runs.push(o) });
    sweep.start();
    try {
      await eventually(async () => (await storedRetries()).length === 1, 'the sweep to re-queue the stuck delivery', 5_000);
      await eventually(async () => runs.length >= 2, 'a second run', 5_000);
    } finally {
      await sweep.stop();
    }
    const after = runs.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(runs.length).toBe(after);
    expect(new Set(runs)).toEqual(new Set(['ran']));
  });
});
