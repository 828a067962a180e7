import { createBatchStore } from '../../../src/digests/batch-store';
import { createFrequencyCaps } from '../../../src/routing/frequency-caps';
import { createInAppProvider, readInbox } from '../../../src/channels/in-app';
import { createCliContext } from '../../../src/cli/cli-context';
import { parseConfig } from '../../../src/config/load-config';
import type { EventV2 } from '../../../src/contract/event-v2';
import { createDedupStore } from '../../../src/routing/dedup-store';
import { createDeliveryStore, deliveryIdOf, type DeliveryRef } from '../../../src/delivery-state/delivery-store';
import { createRateLimiter } from '../../../src/dispatch/rate-limiter';
import { createRetryStore, retryItemOf } from '../../../src/retries/retry-store';
import type { RedisClient } from '../../../src/redis/commands';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import { isCluster, pingRedis } from '../../../src/redis/redis-client';
import { createUserDirectory } from '../../../src/recipients/user-directory';
import { userProfileSchema } from '../../../src/recipients/user-profile';
import { createScheduleStore } from '../../../src/scheduling/schedule-store';
import { readWorkerReports, createWorkerRegistry } from '../../../src/service/worker-registry';
import { createSweep } from '../../../src/sweep/sweep';
import { createSweepLock } from '../../../src/sweep/sweep-lock';
import { captureLogger } from '../../support/capture-logger';
import { deleteKeys, keysUnder, uniqueName } from '../../support/infra';
import { runHerald } from '../../support/run-herald';
import { slotOf, startTestCluster, type TestCluster } from '../../support/test-cluster';
import { outbound } from '../channels/support';
import { item, nextWindow, windowAt } from '../digests/batching-fixtures';
import { sampleEventV2 } from '../stores/retry-fixtures';

/** Enough ids that their hash tags land on every master (each of 3 holds about a third of the slots). */
const IDS = Array.from({ length: 24 }, (_, i) => `id-${i}`);

/**
 * Every store on a real three-master Redis Cluster: each Lua script and MULTI runs on keys of one
 * hash tag (a CROSSSLOT error fails the test), and each behaves as on one Redis.
 */
describe('the Redis stores on a Redis Cluster', () => {
  let test: TestCluster;
  let redis: RedisClient;
  let keys: RedisKeys;
  let prefix: string;

  beforeAll(async () => {
    test = await startTestCluster();
    redis = test.client();
  }, 60_000);
  afterAll(async () => {
    await test.stop();
  });
  beforeEach(() => {
    prefix = uniqueName('herald');
    keys = createKeys(prefix);
  });
  /** Set by the last test, which kills a master: nothing to clean on a cluster that is down. */
  let killed = false;
  afterEach(async () => {
    if (!killed) await deleteKeys(redis, prefix);
  });

  /** The master (by `host:port`) serving a key. */
  async function masterOf(key: string): Promise<string> {
    const slot = await slotOf(redis, key);
    const shards = await redis.cluster('SLOTS');
    const [, , master] = shards.find(([from, to]) => slot >= from && slot <= to)!;
    return `${master![0]}:${master![1]}`;
  }

  it('puts the keys one script or transaction touches in one slot, and spreads events, users and groups over every master', async () => {
    const together: string[][] = [
      [keys.deliveries('e'), keys.notificationMeta('e')],
      [keys.user('u'), keys.inbox('u'), keys.inboxDelivered('u')],
      [keys.batchSeen('g'), keys.batchItems('g', 60_000), keys.batchOrder('g', 60_000), keys.batchClaim('g', 60_000), keys.batchClosed('g', 60_000)],
      [keys.rateLimit('sms', 'twilio'), keys.providerPause('sms', 'twilio')],
      [keys.retryDue('sms'), keys.retryItems('sms')],
      [keys.frequencyCap('u', 'daily'), keys.frequencyCap('u', 'weekly')],
      [keys.scheduleDue(), keys.scheduleItems(), keys.scheduleState('e1'), keys.scheduleState('e2')],
      [keys.lock('sweep'), keys.lockToken('sweep')],
    ];
    for (const group of together) {
      const slots = await Promise.all(group.map((key) => slotOf(redis, key)));
      expect({ group, slots: new Set(slots).size }).toEqual({ group, slots: 1 });
    }
    // One hot slot would make a cluster no better than one Redis: events and users spread out.
    const masters = new Set(await Promise.all(IDS.flatMap((id) => [masterOf(keys.deliveries(id)), masterOf(keys.user(id))])));
    expect(masters).toEqual(new Set(test.cluster.nodes));
  });

  it('claims dedup keys, leases and records deliveries, and reads events back, on every master', async () => {
    const dedup = createDedupStore({ redis, keys, ttlSeconds: 60 });
    const deliveries = createDeliveryStore({ redis, keys, clock: { now: () => Date.now() }, retentionSeconds: 600, leaseMs: 60_000 });
    for (const id of IDS) {
      expect(await dedup.claim(id, 'p0:1')).toBe('new');
      expect(await dedup.claim(id, 'p0:1')).toBe('redelivery');
      expect(await dedup.claim(id, 'p1:9')).toBe('duplicate');
      const ref: DeliveryRef = { eventId: id, recipientId: `u-${id}`, channel: 'email' };
      await deliveries.recordEvent(id, { type: 'alert', event: JSON.stringify(sampleEventV2(id)) });
      expect((await deliveries.open(ref)).opened).toBe(true);
      expect(await deliveries.begin(ref, 'smtp')).toEqual({ verdict: 'acquired', attempts: 1 });
      expect(await deliveries.set(ref, 'sent', { provider: 'smtp' })).toBe(true);
      expect(await deliveries.begin(ref, 'smtp')).toMatchObject({ verdict: 'already_sent' });
      expect(await deliveries.reopen(ref)).toMatchObject({ verdict: 'already_sent' });
      expect(await deliveries.eventOf(id)).toMatchObject({ id });
      expect((await deliveries.notification(id))?.deliveries).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
    }
    // Every delivery left the in-flight index with its final write.
    expect(await deliveries.inflightOlderThan(Date.now() + 1, 100)).toEqual([]);
  });

  it('indexes a delivery in flight before its record is written, though the two keys live on different nodes', async () => {
    const deliveries = createDeliveryStore({ redis, keys, clock: { now: () => Date.now() }, retentionSeconds: 600, leaseMs: 60_000 });
    const ref: DeliveryRef = { eventId: 'indexed-first', recipientId: 'u1', channel: 'email' };
    // One Redis runs the ZADD and the script in the order sent on its one connection; on a cluster
    // they may go to two nodes, so the record must wait for the index. A ZADD that fails (a key of
    // the wrong type here) must leave no record behind that the sweep could never find.
    await redis.set(keys.inflight(), 'not a sorted set');
    await expect(deliveries.open(ref)).rejects.toThrow(/WRONGTYPE/);
    expect(await deliveries.get(ref)).toBeNull();
    await redis.del(keys.inflight());
    expect((await deliveries.open(ref)).opened).toBe(true);
    expect(await deliveries.inflightOlderThan(Date.now() + 1, 10)).toEqual([expect.objectContaining({ deliveryId: deliveryIdOf(ref) })]);
  });

  it('keeps user profiles, in-app inboxes and frequency caps per user', async () => {
    const directory = createUserDirectory({ redis, keys });
    const inApp = createInAppProvider({ redis, keys, inboxCap: 10 });
    const caps = createFrequencyCaps({
      redis,
      keys,
      clock: { now: () => Date.now() },
      caps: [
        { name: 'daily', max: 1, window: 86_400_000, onExceed: 'drop', bypassPriorities: [] },
        { name: 'weekly', max: 5, window: 7 * 86_400_000, onExceed: 'drop', bypassPriorities: [] },
      ],
    });
    for (const id of IDS) {
      await directory.put(id, userProfileSchema.parse({ email: `${id}@example.com`, pushTokens: ['a', 'b'] }));
      await directory.removePushTokens(id, ['a']);
      expect((await directory.get(id))?.pushTokens).toEqual(['b']);
      const message = outbound('in_app', [id]);
      await inApp.send(message);
      await inApp.send(message);
      expect((await readInbox(redis, keys, id)).map((e) => e.id)).toEqual([message.deliveryId]);
      expect(await caps.check({ id: `a-${id}`, type: 'marketing', priority: 'normal' }, id, 'email')).toEqual({ allowed: true });
      expect(await caps.check({ id: `a-${id}`, type: 'marketing', priority: 'normal' }, id, 'sms')).toEqual({ allowed: true });
      expect(await caps.check({ id: `b-${id}`, type: 'marketing', priority: 'normal' }, id, 'email')).toMatchObject({ allowed: false, count: 1 });
    }
  });

  it('schedules, claims and completes retries, rate-limits providers and elects one sweep holder', async () => {
    const retries = createRetryStore({ redis, keys, clock: { now: () => Date.now() } });
    for (const id of IDS.slice(0, 6)) {
      for (const channel of ['email', 'sms'] as const) {
        const entry = retryItemOf(
          { ...sampleEventV2(id), channels: [channel] },
          { recipientId: 'u1', source: 'u1' },
          channel,
          1,
          { code: 'smtp_transient', message: '451' },
          Date.now(),
        );
        expect(await retries.schedule(entry, Date.now() - 1)).toBe(true);
        expect(await retries.schedule(entry, Date.now() - 1, true)).toBe(false);
      }
    }
    for (const channel of ['email', 'sms'] as const) {
      const claimed = await retries.claimDue(channel, 100, 60_000);
      expect(claimed).toHaveLength(6);
      for (const entry of claimed) await retries.complete(channel, entry.deliveryId);
    }
    expect(await retries.depth(['email', 'sms'])).toEqual({ email: 0, sms: 0 });

    const config = parseConfig({ channels: { sms: { rateLimit: { perSecond: 1, burst: 1 } } } });
    const limiter = createRateLimiter({ redis, keys, channels: config.channels });
    expect(await limiter.acquire('sms', 'sms-outbox', 0)).toEqual({ granted: true, waitedMs: 0 });
    expect(await limiter.acquire('sms', 'sms-outbox', 0)).toMatchObject({ granted: false });
    await limiter.pauseUntil('sms', 'sms-outbox', Date.now() + 5_000, Date.now());
    expect(await limiter.pausedUntil('sms', 'sms-outbox')).toBeGreaterThan(Date.now());

    const lock = createSweepLock({ redis, keys, name: 'sweep', ttlMs: 10_000 });
    const held = await Promise.all([lock.acquire('a'), lock.acquire('b')]);
    const winner = held.find((h) => h !== null)!;
    expect(held.filter((h) => h !== null)).toHaveLength(1);
    expect(await lock.renew(winner)).toBe(true);
    expect(await lock.release(winner)).toBe(true);
  });

  it('re-queues a stuck delivery from the sweep: index, record, event and retry store on different slots', async () => {
    let t = Date.now();
    const clock = { now: () => t };
    const config = parseConfig({});
    const deliveries = createDeliveryStore({ redis, keys, clock, retentionSeconds: 86_400, leaseMs: 60_000 });
    const retries = createRetryStore({ redis, keys, clock });
    const directory = createUserDirectory({ redis, keys });
    await directory.put('ada', userProfileSchema.parse({ email: 'ada@example.com' }));
    const events: EventV2[] = IDS.slice(0, 6).map((id) => ({ ...sampleEventV2(id), recipients: ['ada'], channels: ['email'] }));
    for (const event of events) {
      await deliveries.recordEvent(event.id, { type: event.type, event: JSON.stringify(event) });
      expect((await deliveries.open({ eventId: event.id, recipientId: 'ada', channel: 'email' })).opened).toBe(true);
    }
    t += config.sweep.stuckAfterMs + 1;
    const sweep = createSweep({ redis, keys, clock, logger: captureLogger().logger, deliveries, retries, directory, config, owner: 'worker-a' });
    expect(await sweep.runOnce()).toMatchObject({ ran: true, requeued: 6, errors: 0 });
    expect((await retries.claimDue('email', 100, 60_000)).map((r) => r.event.id).sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('batches digest items, claims, postpones and completes windows of many groups', async () => {
    let t = Date.UTC(2026, 0, 31, 9, 0, 0);
    const store = createBatchStore({ redis, keys, clock: { now: () => t }, claimLeaseMs: 10_000 });
    const groups = IDS.slice(0, 8).map((id) => `email-all|${id}|email|transactional`);
    const end = windowAt(t);
    for (const group of groups) {
      expect(await store.add(group, end, item('e1'), nextWindow)).toEqual({ added: true, windowEnd: end });
      expect(await store.add(group, end, item('e1'), nextWindow)).toEqual({ added: false, windowEnd: end });
      expect(await store.add(group, end, item('e2'), nextWindow)).toEqual({ added: true, windowEnd: end });
    }
    t = end;
    const due = await store.dueWindows(t, 100);
    expect(due).toHaveLength(groups.length);
    for (const ref of due) {
      const claim = (await store.claim(ref, 'flusher'))!;
      expect(claim.items.map((i) => i.eventId)).toEqual(['e1', 'e2']);
      expect(await store.postpone(claim, t + 1)).toBe(true);
      t += 2;
      const resumed = (await store.claim(ref, 'flusher'))!;
      expect(resumed).toMatchObject({ resumed: true, fencingToken: 2 });
      expect(await store.complete(resumed)).toBe(true);
      // Closed: a late item of the window goes to the next one.
      expect((await store.add(ref.groupKey, ref.windowEnd, item('e3'), nextWindow)).windowEnd).toBeGreaterThan(ref.windowEnd);
    }
  });

  it('holds, claims, cancels and fires scheduled events, and reads their states together', async () => {
    let t = Date.UTC(2026, 0, 31, 9, 0, 0);
    const schedule = createScheduleStore({ redis, keys, clock: { now: () => t } });
    const events = IDS.slice(0, 6).map((id) => sampleEventV2(id));
    for (const event of events) expect(await schedule.add(event, t + 1_000)).toBe('scheduled');
    expect(await schedule.cancel(events[0]!.id)).toBe('cancelled');
    expect(await schedule.state(events[1]!.id)).toEqual({ state: 'scheduled', dueAt: t + 1_000 });
    t += 1_000;
    expect((await schedule.overdue(-1, 100)).map((o) => o.state)).toEqual(['scheduled', 'scheduled', 'scheduled', 'scheduled', 'scheduled']);
    const claimed = await schedule.claimDue(100, 5_000);
    expect(claimed.map((c) => c.event.id).sort()).toEqual(
      events
        .slice(1)
        .map((e) => e.id)
        .sort(),
    );
    expect(await schedule.cancel(events[1]!.id)).toBe('firing');
    for (const c of claimed) await schedule.complete(c.event.id);
    expect(await schedule.state(events[1]!.id)).toEqual({ state: 'fired' });
    expect(await schedule.depth()).toBe(0);
  });

  it('keeps the worker registry readable by the CLI, and answers readiness from every master', async () => {
    const registry = createWorkerRegistry({
      redis,
      keys,
      clock: { now: () => Date.now() },
      logger: captureLogger().logger,
      intervalMs: 5_000,
      identity: { owner: 'w1', host: 'h', pid: 1, groupId: 'g', url: 'http://127.0.0.1:1' },
      breakers: () => [],
    });
    await registry.start();
    expect((await readWorkerReports(redis, keys, Date.now(), 5_000)).map((r) => r.owner)).toEqual(['w1']);
    await registry.stop();
    expect(await pingRedis(redis)).toBe('PING PONG from 3 cluster master(s)');
  });

  it('finds and deletes keys on every master (a SCAN through the cluster client sees one node only)', async () => {
    for (const id of IDS) await redis.set(keys.user(id), '{}');
    const [, oneNode] = await redis.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    expect(oneNode.length).toBeLessThan(IDS.length);
    expect((await keysUnder(redis, prefix)).sort()).toEqual(IDS.map((id) => keys.user(id)).sort());
    await deleteKeys(redis, prefix);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('gives the CLI a cluster client from REDIS_CLUSTER_NODES, and names that variable when the cluster is unreachable', async () => {
    const cli = createCliContext({}, { REDIS_CLUSTER_NODES: test.nodesEnv, HERALD_REDIS_PREFIX: prefix });
    const client = await cli.redis();
    expect(isCluster(client)).toBe(true);
    await client.set(keys.user('cli'), 'x');
    expect(await redis.get(keys.user('cli'))).toBe('x');
    await cli.close();

    // The real CLI, as a process: exit 4 (unreachable) with the variable to fix.
    const dead = await runHerald(['status', 'evt-1'], { REDIS_CLUSTER_NODES: '127.0.0.1:1' });
    expect(dead.code).toBe(4);
    expect(dead.stderr).toMatch(/cannot reach Redis at cluster 127\.0\.0\.1:1 .*point REDIS_CLUSTER_NODES at it/);
  });

  // Last: it takes a master down for good.
  it('fails readiness naming the master that does not answer', async () => {
    killed = true;
    const victim = test.cluster.nodes[2]!;
    process.kill(test.cluster.pids[2]!, 'SIGKILL');
    await expect(pingRedis(redis)).rejects.toThrow(new RegExp(`cluster master ${victim.replace(/\./g, '\\.')} did not answer PING`));
  });
});
