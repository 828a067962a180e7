import { dueMemberOf } from '../../../src/digests/batch-item';
import { createBatchStore, type BatchStore } from '../../../src/digests/batch-store';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import { testRedis } from '../../support/infra';
import { groupOf, idsOf, item, manualClock, nextWindow, refOf, windowAt, WINDOW_MS } from './batching-fixtures';

const LEASE = 10_000;
const GROUP = groupOf('u1');

describe('batch store', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let clock: ReturnType<typeof manualClock>;
  let store: BatchStore;
  /** The window open at the start of each test (09:00 → 09:01 UTC). */
  let first: number;

  beforeEach(() => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    clock = manualClock();
    store = createBatchStore({ redis: infra.redis, keys, clock, claimLeaseMs: LEASE });
    first = windowAt(clock.now());
  });
  afterEach(() => infra.cleanup());

  /** Adds the events to the window open now, one ms apart so arrival order is deterministic. */
  async function addAll(eventIds: string[], groupKey = GROUP) {
    const outcomes = [];
    for (const eventId of eventIds) {
      outcomes.push(await store.add(groupKey, windowAt(clock.now()), item(eventId), nextWindow));
      clock.advance(1);
    }
    return outcomes;
  }

  const dueScore = (groupKey: string, windowEnd: number) => infra.redis.zscore(keys.batchesDue(), dueMemberOf(refOf(groupKey, windowEnd)));

  it('adds an item once per event id and indexes its window as due at the window end', async () => {
    expect(await store.add(GROUP, first, item('e1'), nextWindow)).toEqual({ added: true, windowEnd: first });
    expect(await store.add(GROUP, first, item('e1', { title: 'changed' }), nextWindow)).toEqual({ added: false, windowEnd: first });
    expect(await store.pendingCount(refOf(GROUP, first))).toBe(1);
    expect(await store.dueWindows(first - 1, 10)).toEqual([]);
    expect(await store.dueWindows(first, 10)).toEqual([refOf(GROUP, first)]);
    expect(Number(await dueScore(GROUP, first))).toBe(first);
    expect(await store.depth()).toBe(1);
  });

  it('never batches a redelivery again once its digest took it, in the same window or a later one', async () => {
    await addAll(['e1']);
    clock.set(first);
    const claim = await store.claim(refOf(GROUP, first), 'w1');
    expect(idsOf(claim)).toEqual(['e1']);
    // Intake computed the closed window (redelivered during the flush), or the next one (after it).
    expect(await store.add(GROUP, first, item('e1'), nextWindow)).toMatchObject({ added: false });
    expect(await store.complete(claim!)).toBe(true);
    expect(await store.add(GROUP, first + WINDOW_MS, item('e1'), nextWindow)).toMatchObject({ added: false });
    expect(await store.add(GROUP, first + 5 * WINDOW_MS, item('e1'), nextWindow)).toMatchObject({ added: false });
    expect(await store.pendingCount(refOf(GROUP, first + WINDOW_MS))).toBe(0);
    expect(await store.dueWindows(first + 10 * WINDOW_MS, 10)).toEqual([]);
  });

  it('does not list a redelivery in a second window while its first window is still pending', async () => {
    await addAll(['e1']);
    clock.set(first + 1); // the window ended but no flusher took it yet; the redelivery computes the next window
    expect(await store.add(GROUP, windowAt(clock.now()), item('e1'), nextWindow)).toMatchObject({ added: false });
    expect(await store.pendingCount(refOf(GROUP, first))).toBe(1);
    expect(await store.pendingCount(refOf(GROUP, first + WINDOW_MS))).toBe(0);
    expect(await store.dueWindows(first + 10 * WINDOW_MS, 10)).toEqual([refOf(GROUP, first)]);
  });

  it('claims every item of the window, oldest first, under the deterministic digest id', async () => {
    const ids = ['e3', 'e1', 'e2', ...Array.from({ length: 120 }, (_, i) => `bulk-${i}`)];
    await addAll(ids);
    clock.set(first);
    const claim = await store.claim(refOf(GROUP, first), 'w1');
    expect(claim).toMatchObject({ groupKey: GROUP, windowEnd: first, digestId: `${GROUP}@2026-01-31T09:01:00.000Z`, fencingToken: 1, resumed: false });
    expect(idsOf(claim)).toEqual(ids); // arrival order, not id order; no cap (the sender applies maxItems)
    expect(claim!.items[0]).toEqual(item('e3')); // stored JSON comes back unchanged, numbers included
    expect(await store.pendingCount(refOf(GROUP, first))).toBe(0);
  });

  it('closes the window at claim: an add racing the flush lands in the next window and is flushed there', async () => {
    await addAll(['e1', 'e2']);
    clock.set(first);
    const claim = await store.claim(refOf(GROUP, first), 'w1');
    // Intake computed the window just before it closed.
    expect(await store.add(GROUP, first, item('e3'), nextWindow)).toEqual({ added: true, windowEnd: first + WINDOW_MS });
    expect(idsOf(claim)).toEqual(['e1', 'e2']);
    expect(await store.complete(claim!)).toBe(true);
    // Completing the first window leaves the second indexed.
    expect(await store.dueWindows(first + WINDOW_MS, 10)).toEqual([refOf(GROUP, first + WINDOW_MS)]);

    clock.set(first + WINDOW_MS);
    const next = await store.claim(refOf(GROUP, first + WINDOW_MS), 'w1');
    expect(next!.digestId).toBe(`${GROUP}@2026-01-31T09:02:00.000Z`);
    expect(idsOf(next)).toEqual(['e3']);
  });

  it('loses and doubles nothing when adds on another connection race the claim', async () => {
    const writerRedis = infra.redis.duplicate();
    const writer = createBatchStore({ redis: writerRedis, keys, clock, claimLeaseMs: LEASE });
    try {
      for (let round = 0; round < 40; round++) {
        const end = first + round * 3 * WINDOW_MS; // rounds apart: a late item of one round never meets the next
        clock.set(end - WINDOW_MS);
        await store.add(GROUP, end, item(`old-${round}`), nextWindow);
        clock.set(end);
        // Which one Redis runs first varies with the order they are sent in; both outcomes are checked.
        const claiming = () => store.claim(refOf(GROUP, end), 'w1');
        const adding = () => writer.add(GROUP, end, item(`new-${round}`), nextWindow);
        const [claim, late] =
          round % 2 ? await Promise.all([claiming(), adding()]) : await Promise.all([adding(), claiming()]).then(([a, c]) => [c, a] as const);
        expect(late.added).toBe(true);
        const pendingNext = await store.pendingCount(refOf(GROUP, end + WINDOW_MS));
        if (late.windowEnd === end) {
          expect(idsOf(claim)).toEqual([`old-${round}`, `new-${round}`]);
          expect(pendingNext).toBe(0);
        } else {
          expect(late.windowEnd).toBe(end + WINDOW_MS);
          expect(idsOf(claim)).toEqual([`old-${round}`]);
          expect(pendingNext).toBe(1);
          expect(await store.dueWindows(end + WINDOW_MS, 10)).toContainEqual(refOf(GROUP, end + WINDOW_MS));
        }
        expect(await store.complete(claim!)).toBe(true);
        if (late.windowEnd !== end) {
          clock.set(end + WINDOW_MS);
          const drain = await store.claim(refOf(GROUP, end + WINDOW_MS), 'w1');
          expect(idsOf(drain)).toEqual([`new-${round}`]);
          await store.complete(drain!);
        }
        expect(await store.depth()).toBe(0);
      }
    } finally {
      writerRedis.disconnect();
    }
  });

  it('holds a claimed window while its lease lives and moves its due time to the lease end', async () => {
    await addAll(['e1', 'e2']);
    clock.set(first);
    const ref = refOf(GROUP, first);
    expect(await store.claim(ref, 'w1')).not.toBeNull();
    expect(Number(await dueScore(GROUP, first))).toBe(first + LEASE);
    expect(await store.dueWindows(first + LEASE - 1, 10)).toEqual([]);

    clock.advance(LEASE - 1);
    // An index that lags (another worker read it before the claim) finds the window busy and is set right.
    await infra.redis.zadd(keys.batchesDue(), 'XX', clock.now(), dueMemberOf(ref));
    expect(await store.claim(ref, 'w2')).toBeNull();
    expect(Number(await dueScore(GROUP, first))).toBe(first + LEASE);
  });

  it('resumes an expired claim with the same digest id and items under the next fencing token', async () => {
    await addAll(['e1', 'e2']);
    clock.set(first);
    const ref = refOf(GROUP, first);
    const crashed = await store.claim(ref, 'w1');
    await store.add(GROUP, first, item('e3'), nextWindow); // goes to the next window, not into the resumed digest
    clock.advance(LEASE);
    expect(await store.dueWindows(clock.now(), 10)).toEqual([ref]);
    const resumed = await store.claim(ref, 'w2');
    expect(resumed).toEqual({ ...crashed, fencingToken: 2, resumed: true });
    expect(Number(await dueScore(GROUP, first))).toBe(clock.now() + LEASE);
    clock.advance(LEASE);
    expect(await store.claim(ref, 'w3')).toEqual({ ...crashed, fencingToken: 3, resumed: true });
    expect(await store.pendingCount(refOf(GROUP, first + WINDOW_MS))).toBe(1);
  });

  it("refuses a stale owner's complete and postpone once another owner resumed the claim (fencing)", async () => {
    await addAll(['e1', 'e2']);
    clock.set(first);
    const ref = refOf(GROUP, first);
    const stale = await store.claim(ref, 'w1');
    clock.advance(LEASE + 1);
    const current = await store.claim(ref, 'w2');
    expect(await store.complete(stale!)).toBe(false);
    expect(await store.postpone(stale!, clock.now() + 3_600_000)).toBe(false);
    expect(await infra.redis.hget(keys.batchClaim(GROUP, first), 'owner')).toBe('w2');
    expect(Number(await dueScore(GROUP, first))).toBe(clock.now() + LEASE); // the stale postpone moved nothing
    expect(await store.claim(ref, 'w3')).toBeNull(); // w2 still holds it
    expect(await store.complete(current!)).toBe(true);
    expect(await infra.redis.exists(keys.batchClaim(GROUP, first))).toBe(0);
    expect(await store.complete(current!)).toBe(false); // completing twice is a no-op
  });

  it('removes a completed window from the due index, and keeps it closed', async () => {
    await addAll(['e1']);
    clock.set(first);
    const ref = refOf(GROUP, first);
    const claim = await store.claim(ref, 'w1');
    expect(await store.complete(claim!)).toBe(true);
    expect(await store.depth()).toBe(0);
    expect(await store.dueWindows(first + 100 * LEASE, 10)).toEqual([]);
    expect(await store.claim(ref, 'w2')).toBeNull();
    expect(await store.add(GROUP, first, item('e2'), nextWindow)).toEqual({ added: true, windowEnd: first + WINDOW_MS });
  });

  it('never indexes an empty window, and a claim of a due entry with nothing behind it tidies the entry', async () => {
    expect(await store.dueWindows(first + 100 * WINDOW_MS, 10)).toEqual([]);
    expect(await store.depth()).toBe(0);
    // A stale entry, as after a crash between complete and the index update.
    const ghost = refOf(groupOf('ghost'), first);
    await infra.redis.zadd(keys.batchesDue(), first, dueMemberOf(ghost));
    clock.set(first);
    expect(await store.dueWindows(first, 10)).toEqual([ghost]);
    expect(await store.claim(ghost, 'w1')).toBeNull();
    expect(await store.dueWindows(first, 10)).toEqual([]);
    // The ghost window is closed from then on: a late item for it goes to the next window.
    expect(await store.add(ghost.groupKey, first, item('late', { recipientId: 'ghost' }), nextWindow)).toEqual({ added: true, windowEnd: first + WINDOW_MS });
  });

  it('postpones a claim: due again at the given time, busy until then, then resumed by any owner', async () => {
    await addAll(['e1', 'e2']);
    clock.set(first);
    const ref = refOf(GROUP, first);
    const claim = await store.claim(ref, 'w1');
    const until = first + 30 * 60_000;
    expect(await store.postpone(claim!, until)).toBe(true);
    expect(Number(await dueScore(GROUP, first))).toBe(until);
    clock.advance(LEASE + 1); // the original lease is over, the postponement is not
    expect(await store.dueWindows(clock.now(), 10)).toEqual([]);
    expect(await store.claim(ref, 'w2')).toBeNull();
    expect(Number(await dueScore(GROUP, first))).toBe(until);

    clock.set(until);
    expect(await store.dueWindows(clock.now(), 10)).toEqual([ref]);
    const resumed = await store.claim(ref, 'w2');
    expect(resumed).toEqual({ ...claim, fencingToken: 2, resumed: true });
    expect(await store.complete(resumed!)).toBe(true);
    expect(await store.depth()).toBe(0);
  });

  it('keeps groups and windows apart and lists due windows earliest first, up to the limit', async () => {
    await addAll(['a1']);
    await addAll(['b1', 'b2'], groupOf('u2'));
    clock.set(first);
    await addAll(['a2']); // the next window of u1's group
    expect(await store.dueWindows(first, 10)).toEqual(expect.arrayContaining([refOf(GROUP, first), refOf(groupOf('u2'), first)]));
    expect(await store.dueWindows(first, 10)).toHaveLength(2);
    expect(await store.dueWindows(first + WINDOW_MS, 1)).toHaveLength(1);
    expect((await store.dueWindows(first + WINDOW_MS, 10)).at(-1)).toEqual(refOf(GROUP, first + WINDOW_MS));
    expect(await store.dueWindows(first + WINDOW_MS, 0)).toEqual([]);
    expect(await store.pendingCount(refOf(GROUP, first))).toBe(1);
    expect(await store.pendingCount(refOf(groupOf('u2'), first))).toBe(2);

    const a = await store.claim(refOf(GROUP, first), 'w1');
    const b = await store.claim(refOf(groupOf('u2'), first), 'w1');
    expect(a!.digestId).not.toBe(b!.digestId);
    expect(idsOf(b)).toEqual(['b1', 'b2']);
    expect(await store.pendingCount(refOf(GROUP, first + WINDOW_MS))).toBe(1); // u1's next window untouched
  });

  it('re-indexes a window whose due entry was lost, on the redelivery of one of its items', async () => {
    await addAll(['e1']);
    await infra.redis.zrem(keys.batchesDue(), dueMemberOf(refOf(GROUP, first))); // crash between the script and the index call
    expect(await store.add(GROUP, first, item('e1'), nextWindow)).toEqual({ added: false, windowEnd: first });
    expect(await store.dueWindows(first, 10)).toEqual([refOf(GROUP, first)]);
  });
});
