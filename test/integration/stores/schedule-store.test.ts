import { Redis } from 'ioredis';
import { sampleEventV2 } from './retry-fixtures';
import type { EventV2 } from '../../../src/contract/event-v2';
import { createKeys } from '../../../src/redis/keys';
import { createScheduleStore } from '../../../src/scheduling/schedule-store';
import { TEST_REDIS_URL, testRedis } from '../../support/infra';

const MINUTE = 60_000;
const WEEK_MS = 7 * 86_400_000;

describe('schedule store on real Redis', () => {
  let infra: ReturnType<typeof testRedis>;
  let t: number;
  const clock = { now: () => t };
  beforeEach(() => {
    infra = testRedis();
    t = Date.UTC(2026, 10, 21, 9, 0, 0);
  });
  afterEach(() => infra.cleanup());

  const build = (retentionSeconds?: number, redis: Redis = infra.redis) =>
    createScheduleStore({ redis, keys: createKeys(infra.prefix), clock, retentionSeconds });
  const scheduled = (id: string, dueAt: number): EventV2 => ({ ...sampleEventV2(id), sendAt: new Date(dueAt).toISOString() });
  const stateTtl = (id: string) => infra.redis.pttl(createKeys(infra.prefix).scheduleState(id));

  it('holds an event until it is due, then hands it out whole, once', async () => {
    const store = build();
    const due = t + 5 * MINUTE;
    const event = scheduled('evt-1', due);
    expect(await store.add(event, due)).toBe('scheduled');
    expect(await store.state('evt-1')).toEqual({ state: 'scheduled', dueAt: due });
    expect(await store.claimDue(10, MINUTE)).toEqual([]);
    t = due - 1;
    expect(await store.claimDue(10, MINUTE)).toEqual([]);
    t = due;
    expect(await store.claimDue(10, MINUTE)).toEqual([{ event, dueAt: due, resumed: false }]);
    expect(await store.state('evt-1')).toEqual({ state: 'firing', dueAt: due });
    expect(await store.claimDue(10, MINUTE)).toEqual([]);
  });

  it('adds once per event id: a redelivery while held or firing finds it there', async () => {
    const store = build();
    expect(await store.add(scheduled('evt-1', t + MINUTE), t + MINUTE)).toBe('scheduled');
    // The first due time stands.
    expect(await store.add(scheduled('evt-1', t + 9 * MINUTE), t + 9 * MINUTE)).toBe('exists');
    expect(await store.state('evt-1')).toEqual({ state: 'scheduled', dueAt: t + MINUTE });
    t += MINUTE;
    await store.claimDue(10, MINUTE);
    expect(await store.add(scheduled('evt-1', t), t)).toBe('exists');
    expect(await store.depth()).toBe(1);
  });

  it('completes a fired event: it leaves the store, and a redelivery is not scheduled again', async () => {
    const store = build();
    await store.add(scheduled('evt-1', t), t);
    await store.claimDue(10, MINUTE);
    await store.complete('evt-1');
    expect(await store.state('evt-1')).toEqual({ state: 'fired' });
    expect(await store.depth()).toBe(0);
    expect(await store.add(scheduled('evt-1', t + MINUTE), t + MINUTE)).toBe('fired');
    expect(await store.cancel('evt-1')).toBe('fired');
    t += 10 * MINUTE;
    expect(await store.claimDue(10, MINUTE)).toEqual([]);
    expect(await store.depth()).toBe(0);
  });

  it('cancels only a scheduled event, and a redelivery of a cancelled one stays cancelled', async () => {
    const store = build();
    await store.add(scheduled('evt-1', t + MINUTE), t + MINUTE);
    expect(await store.cancel('evt-1')).toBe('cancelled');
    expect(await store.state('evt-1')).toEqual({ state: 'cancelled' });
    expect(await store.depth()).toBe(0);
    expect(await store.cancel('evt-1')).toBe('already_cancelled');
    expect(await store.add(scheduled('evt-1', t + MINUTE), t + MINUTE)).toBe('cancelled');
    t += 2 * MINUTE;
    expect(await store.claimDue(10, MINUTE)).toEqual([]);
    expect(await store.cancel('never-seen')).toBe('unknown');
    expect(await store.state('never-seen')).toBeNull();
  });

  it('refuses to cancel an event being fired', async () => {
    const store = build();
    await store.add(scheduled('evt-1', t), t);
    await store.claimDue(10, MINUTE);
    expect(await store.cancel('evt-1')).toBe('firing');
    expect(await store.state('evt-1')).toEqual({ state: 'firing', dueAt: t });
  });

  it('hands a claimed event to another worker once the lease runs out, marked resumed', async () => {
    const store = build();
    const other = build();
    const due = t;
    const event = scheduled('evt-1', due);
    await store.add(event, due);
    expect(await store.claimDue(10, 30_000)).toEqual([{ event, dueAt: due, resumed: false }]);
    t += 29_999;
    expect(await other.claimDue(10, 30_000)).toEqual([]);
    t += 1;
    expect(await other.claimDue(10, 30_000)).toEqual([{ event, dueAt: due, resumed: true }]);
    await other.complete('evt-1');
    // The first worker finishing late changes nothing.
    await store.complete('evt-1');
    expect(await store.state('evt-1')).toEqual({ state: 'fired' });
  });

  it('claims the oldest due first, at most the limit', async () => {
    const store = build();
    for (let n = 1; n <= 5; n++) await store.add(scheduled(`evt-${n}`, t - n * 1_000), t - n * 1_000);
    await store.add(scheduled('later', t + MINUTE), t + MINUTE);
    expect((await store.claimDue(2, MINUTE)).map((c) => c.event.id)).toEqual(['evt-5', 'evt-4']);
    expect((await store.claimDue(10, MINUTE)).map((c) => c.event.id)).toEqual(['evt-3', 'evt-2', 'evt-1']);
    expect(await store.depth()).toBe(6);
  });

  it('lets either cancel or claim win a race, never both (50 races on two connections)', async () => {
    const second = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
    try {
      const canceller = build();
      const claimer = build(undefined, second);
      const outcomes = { cancelled: 0, claimed: 0 };
      for (let n = 0; n < 50; n++) {
        const id = `race-${n}`;
        await canceller.add(scheduled(id, t), t);
        // Alternate which request leaves first, so both sides win some of the races.
        const claimFirst = n % 2 === 0;
        const claiming = claimFirst ? claimer.claimDue(10, MINUTE) : undefined;
        const cancelling = canceller.cancel(id);
        const [cancel, claimed] = await Promise.all([cancelling, claiming ?? claimer.claimDue(10, MINUTE)]);
        const won = claimed.some((c) => c.event.id === id);
        const state = await canceller.state(id);
        if (won) {
          expect(cancel).toBe('firing');
          expect(state?.state).toBe('firing');
          outcomes.claimed++;
          await claimer.complete(id);
        } else {
          expect(cancel).toBe('cancelled');
          expect(state).toEqual({ state: 'cancelled' });
          outcomes.cancelled++;
        }
      }
      expect(outcomes.cancelled + outcomes.claimed).toBe(50);
      // Both outcomes happened, so the invariant above was checked on both sides of the race.
      expect(outcomes.cancelled).toBeGreaterThan(0);
      expect(outcomes.claimed).toBeGreaterThan(0);
      expect(await canceller.depth()).toBe(0);
    } finally {
      second.disconnect();
    }
  });

  it('keeps each state for the retention after its last transition (7 days by default)', async () => {
    const store = build();
    await store.add(scheduled('evt-1', t + 60 * MINUTE), t + 60 * MINUTE);
    // Held for an hour: the state lasts until then, plus the retention.
    expect(await stateTtl('evt-1')).toBeGreaterThan(WEEK_MS + 59 * MINUTE);
    expect(await stateTtl('evt-1')).toBeLessThanOrEqual(WEEK_MS + 60 * MINUTE);
    expect(await store.cancel('evt-1')).toBe('cancelled');
    expect(await stateTtl('evt-1')).toBeGreaterThan(WEEK_MS - MINUTE);
    expect(await stateTtl('evt-1')).toBeLessThanOrEqual(WEEK_MS);

    const short = build(60);
    await short.add(scheduled('evt-2', t), t);
    await short.claimDue(10, 30_000);
    expect(await stateTtl('evt-2')).toBeGreaterThan(85_000);
    expect(await stateTtl('evt-2')).toBeLessThanOrEqual(90_000);
    await short.complete('evt-2');
    expect(await stateTtl('evt-2')).toBeGreaterThan(55_000);
    expect(await stateTtl('evt-2')).toBeLessThanOrEqual(60_000);
  });

  it('lists what is overdue for the sweep: held past due, or claimed past the lease', async () => {
    const store = build();
    await store.add(scheduled('late', t - 2 * MINUTE), t - 2 * MINUTE);
    await store.add(scheduled('on-time', t - 30_000), t - 30_000);
    await store.add(scheduled('future', t + MINUTE), t + MINUTE);
    expect(await store.overdue(MINUTE, 10)).toEqual([{ eventId: 'late', dueAt: t - 2 * MINUTE, state: 'scheduled' }]);
    const claimedAt = t;
    await store.claimDue(1, 10_000);
    expect(await store.overdue(MINUTE, 10)).toEqual([]);
    t += 2 * MINUTE;
    // Ordered by how long they have been claimable: on-time since its due time, late since its lease ran out.
    expect(await store.overdue(MINUTE, 10)).toEqual([
      { eventId: 'on-time', dueAt: claimedAt - 30_000, state: 'scheduled' },
      { eventId: 'late', dueAt: claimedAt - 2 * MINUTE, state: 'firing' },
    ]);
    expect(await store.overdue(MINUTE, 1)).toHaveLength(1);
  });
});
