import { Redis } from 'ioredis';
import { sampleEventV2 } from './retry-fixtures';
import type { EventV2 } from '../../../src/contract/event-v2';
import { createKeys } from '../../../src/redis/keys';
import { createSchedulePoller } from '../../../src/scheduling/schedule-poller';
import { createScheduleStore } from '../../../src/scheduling/schedule-store';
import { captureLogger } from '../../support/capture-logger';
import { TEST_REDIS_URL, eventually, freePort, testRedis } from '../../support/infra';

const config = { pollIntervalMs: 10, claimLeaseMs: 30_000, claimBatch: 100 };

describe('schedule poller on a real schedule store', () => {
  let infra: ReturnType<typeof testRedis>;
  let extra: Redis[];
  let t: number;
  const clock = { now: () => t };
  beforeEach(() => {
    infra = testRedis();
    extra = [];
    t = Date.UTC(2026, 10, 21, 9, 0, 0);
  });
  afterEach(async () => {
    // A client that already ended (the unreachable one) has nothing to close.
    extra.filter((r) => r.status !== 'end').forEach((r) => r.disconnect());
    await infra.cleanup();
  });

  /** A store on its own connection, as each worker has. */
  const workerStore = () => {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
    extra.push(redis);
    return createScheduleStore({ redis, keys: createKeys(infra.prefix), clock });
  };
  const scheduled = (id: string, dueAt: number): EventV2 => ({ ...sampleEventV2(id), sendAt: new Date(dueAt).toISOString() });
  /** A `fire` that records the ids it was given. */
  const recorder = (work: (event: EventV2) => Promise<void> = async () => {}) => {
    const fired: string[] = [];
    const fire = async (event: EventV2) => {
      fired.push(event.id);
      await work(event);
    };
    return { fired, fire };
  };

  it('fires an event when it is due, not before, and completes it', async () => {
    const store = workerStore();
    const { fired, fire } = recorder();
    const { logger, lines } = captureLogger();
    const poller = createSchedulePoller({ store, fire, config, clock, logger });
    const due = t + 60_000;
    await store.add(scheduled('evt-1', due), due);
    expect(await poller.pollOnce()).toBe(0);
    t = due - 1;
    expect(await poller.pollOnce()).toBe(0);
    expect(fired).toEqual([]);
    t = due + 250;
    expect(await poller.pollOnce()).toBe(1);
    expect(fired).toEqual(['evt-1']);
    expect(await store.state('evt-1')).toEqual({ state: 'fired' });
    expect(lines()).toContainEqual(expect.objectContaining({ message: 'scheduled event fired', decision: 'fired', eventId: 'evt-1', lateMs: 250 }));
    expect(await poller.pollOnce()).toBe(0);
    expect(fired).toEqual(['evt-1']);
  });

  it('fires each event once when two pollers share the store', async () => {
    const setup = workerStore();
    for (let n = 0; n < 40; n++) await setup.add(scheduled(`evt-${n}`, t - n), t - n);
    const { fired, fire } = recorder(() => new Promise((r) => setTimeout(r, Math.random() * 5)));
    const pollers = [1, 2].map(() =>
      createSchedulePoller({ store: workerStore(), fire, config: { ...config, claimBatch: 7 }, clock, logger: captureLogger().logger }),
    );
    pollers.forEach((p) => p.start());
    await eventually(async () => fired.length >= 40 && (await setup.depth()) === 0, 'all 40 events fired and completed');
    await Promise.all(pollers.map((p) => p.stop()));
    expect(new Set(fired).size).toBe(40);
    expect(fired).toHaveLength(40);
  });

  it('leaves an event whose fire never returns to another poller once the lease runs out', async () => {
    const crashed = recorder(() => new Promise<void>(() => {}));
    const crashing = createSchedulePoller({ store: workerStore(), fire: crashed.fire, config, clock, logger: captureLogger().logger });
    const survivor = recorder();
    const { logger, lines } = captureLogger();
    const healthy = createSchedulePoller({ store: workerStore(), fire: survivor.fire, config, clock, logger });
    const store = workerStore();
    await store.add(scheduled('evt-1', t), t);
    // The crashing worker claims it and hangs in fire, never completing it.
    void crashing.pollOnce();
    await eventually(async () => crashed.fired.length === 1, 'the crashing poller to start firing');
    expect(await healthy.pollOnce()).toBe(0);
    t += config.claimLeaseMs;
    expect(await healthy.pollOnce()).toBe(1);
    expect(survivor.fired).toEqual(['evt-1']);
    expect(await store.state('evt-1')).toEqual({ state: 'fired' });
    expect(lines()).toContainEqual(expect.objectContaining({ level: 'warn', eventId: 'evt-1' }));
  });

  it('logs a fire that fails and fires the event again after the lease', async () => {
    let fail = true;
    const { fired, fire } = recorder(async () => {
      if (fail) throw new Error('intake topic unavailable');
    });
    const { logger, lines } = captureLogger();
    const store = workerStore();
    const poller = createSchedulePoller({ store, fire, config, clock, logger });
    await store.add(scheduled('evt-1', t), t);
    expect(await poller.pollOnce()).toBe(1);
    const failure = lines().find((l) => l.level === 'error');
    expect(failure).toMatchObject({ eventId: 'evt-1', error: 'Error: intake topic unavailable' });
    expect(String(failure!.message)).toContain('fired again once its claim lease');
    expect(await store.state('evt-1')).toEqual({ state: 'firing', dueAt: t });
    // Nothing more until the lease runs out, then it is fired again.
    fail = false;
    expect(await poller.pollOnce()).toBe(0);
    t += config.claimLeaseMs;
    expect(await poller.pollOnce()).toBe(1);
    expect(fired).toEqual(['evt-1', 'evt-1']);
    expect(await store.state('evt-1')).toEqual({ state: 'fired' });
  });

  it('stop waits for the events in hand to be fired and completed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { fired, fire } = recorder(() => gate);
    const store = workerStore();
    const poller = createSchedulePoller({ store, fire, config, clock, logger: captureLogger().logger });
    await store.add(scheduled('evt-1', t), t);
    poller.start();
    await eventually(async () => fired.length === 1, 'the poller to start firing');
    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await store.state('evt-1')).toEqual({ state: 'fired' });
    // Stopped: a new due event is left for other workers.
    await store.add(scheduled('evt-2', t), t);
    await new Promise((r) => setTimeout(r, 50));
    expect(fired).toEqual(['evt-1']);
  });

  it('keeps polling, and says so, while the store cannot be read', async () => {
    // Nothing listens on the port; the client gives up at once instead of reconnecting.
    const unreachable = new Redis(`redis://127.0.0.1:${await freePort()}`, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    unreachable.on('error', () => {});
    extra.push(unreachable);
    const store = createScheduleStore({ redis: unreachable, keys: createKeys(infra.prefix), clock });
    const { fired, fire } = recorder();
    const { logger, lines } = captureLogger();
    const poller = createSchedulePoller({ store, fire, config, clock, logger });
    poller.start();
    await eventually(
      async () => lines().filter((l) => l.message === 'cannot read the schedule store; will poll again (check that Redis is reachable)').length >= 2,
      'two failed polls logged',
    );
    await poller.stop();
    expect(fired).toEqual([]);
  });
});
