import type { Redis } from 'ioredis';
import type { Claim } from '../../../src/digests/batch-item';
import { createBatchStore, type BatchStore } from '../../../src/digests/batch-store';
import { createDigestFlusher, type DigestFlusherOptions } from '../../../src/digests/digest-flusher';
import type { Clock } from '../../../src/shared/clock';
import { RetriableError } from '../../../src/shared/errors';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import { eventually, testLogger, testRedis } from '../../support/infra';
import { groupOf, idsOf, item, manualClock, nextWindow, refOf, windowAt, WINDOW_MS } from './batching-fixtures';

const LEASE = 10_000;

describe('digest flusher', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let clock: ReturnType<typeof manualClock>;
  /** The window open at the start of each test. */
  let first: number;
  const extraConnections: Redis[] = [];

  beforeEach(() => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    clock = manualClock();
    first = windowAt(clock.now());
  });
  afterEach(async () => {
    extraConnections.splice(0).forEach((r) => r.disconnect());
    await infra.cleanup();
  });

  /** A store on its own connection, as another worker would have. */
  function workerStore(storeClock: Clock = clock): BatchStore {
    const redis = infra.redis.duplicate();
    extraConnections.push(redis);
    return createBatchStore({ redis, keys, clock: storeClock, claimLeaseMs: LEASE });
  }

  function flusher(store: BatchStore, options: Partial<DigestFlusherOptions> & Pick<DigestFlusherOptions, 'sendDigest'>) {
    return createDigestFlusher({ store, pollIntervalMs: 20, logger: testLogger(), clock, owner: 'w1', ...options });
  }

  /** Adds `count` items for each of `recipients` recipients into the window ending at `windowEnd`; returns the event ids. */
  async function seed(store: BatchStore, recipients: number, count: number, windowEnd = first, tag = 'e'): Promise<string[]> {
    const eventIds: string[] = [];
    for (let r = 0; r < recipients; r++) {
      for (let n = 0; n < count; n++) {
        const eventId = `${tag}-${r}-${n}`;
        await store.add(groupOf(`u${r}`), windowEnd, item(eventId, { recipientId: `u${r}` }), nextWindow);
        eventIds.push(eventId);
      }
    }
    return eventIds;
  }

  const digestIdOf = (recipient: string, windowEnd: number) => `${groupOf(recipient)}@${new Date(windowEnd).toISOString()}`;

  /** How many times each digest id was sent. */
  const countsOf = (digestIds: string[]) => digestIds.reduce<Record<string, number>>((acc, id) => ({ ...acc, [id]: (acc[id] ?? 0) + 1 }), {});

  it('sends each due window once when it ends, and leaves windows still open alone', async () => {
    const store = workerStore();
    const sent: Claim[] = [];
    const run = flusher(store, { sendDigest: async (claim) => void sent.push(claim) });
    const eventIds = await seed(store, 3, 2);
    await seed(store, 1, 1, first + WINDOW_MS, 'later');

    clock.set(first - 1);
    expect(await run.flushOnce()).toEqual({ digests: 0, items: 0, postponed: 0, failures: 0 });
    clock.set(first);
    expect(await run.flushOnce()).toEqual({ digests: 3, items: 6, postponed: 0, failures: 0 });
    expect(sent.map((c) => c.digestId).sort()).toEqual(['u0', 'u1', 'u2'].map((u) => digestIdOf(u, first)));
    expect(sent.flatMap(idsOf).sort()).toEqual(eventIds.sort());
    expect(await run.flushOnce()).toEqual({ digests: 0, items: 0, postponed: 0, failures: 0 });
    expect(await store.dueWindows(first + WINDOW_MS, 10)).toEqual([refOf(groupOf('u0'), first + WINDOW_MS)]);

    clock.set(first + WINDOW_MS);
    expect(await run.flushOnce()).toEqual({ digests: 1, items: 1, postponed: 0, failures: 0 });
    expect(sent.at(-1)!.digestId).toBe(digestIdOf('u0', first + WINDOW_MS));
    expect(await store.depth()).toBe(0);
  });

  it('takes at most pageSize windows per pass; the next pass takes the rest', async () => {
    const store = workerStore();
    const sent: string[] = [];
    const run = flusher(store, { pageSize: 2, concurrency: 1, sendDigest: async (claim) => void sent.push(claim.digestId) });
    await seed(store, 5, 1);
    clock.set(first);
    expect((await run.flushOnce()).digests).toBe(2);
    expect((await run.flushOnce()).digests).toBe(2);
    expect((await run.flushOnce()).digests).toBe(1);
    expect(new Set(sent).size).toBe(5);
  });

  it('sends each digest exactly once when two workers flush the same windows at the same time', async () => {
    const sends: string[] = [];
    const sendDigest = async (claim: Claim) => {
      await new Promise((r) => setTimeout(r, 2)); // let the two workers interleave
      sends.push(claim.digestId);
    };
    const storeA = workerStore();
    const storeB = workerStore();
    const eventIds = [...(await seed(storeA, 25, 3)), ...(await seed(storeB, 10, 2, first + WINDOW_MS, 'next'))];
    const a = flusher(storeA, { owner: 'wA', sendDigest, concurrency: 4 });
    const b = flusher(storeB, { owner: 'wB', sendDigest, concurrency: 4 });
    clock.set(first + WINDOW_MS);

    const results = await Promise.all([a.flushOnce(), b.flushOnce(), a.flushOnce(), b.flushOnce()]);
    const total = (field: 'digests' | 'items' | 'failures') => results.reduce((sum, r) => sum + r[field], 0);
    expect([total('digests'), total('items'), total('failures')]).toEqual([35, 95, 0]);
    const counts = countsOf(sends);
    expect(Object.keys(counts)).toHaveLength(35);
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    expect(counts[digestIdOf('u9', first + WINDOW_MS)]).toBe(1);
    expect(eventIds).toHaveLength(95);
    expect(await storeA.depth()).toBe(0);
  });

  it('keeps the claim of a digest whose send throws; another worker resumes it after the lease with the same id and items', async () => {
    const storeA = workerStore();
    const storeB = workerStore();
    await seed(storeA, 3, 2);
    const failing = digestIdOf('u1', first);
    const attempts: Claim[] = [];
    const sendDigest = async (claim: Claim) => {
      attempts.push(claim);
      if (claim.digestId === failing && claim.fencingToken === 1) throw new RetriableError('smtp connection reset', 'smtp_unavailable');
    };
    clock.set(first);
    // Other windows go out in the same pass; the failure is counted, not thrown.
    expect(await flusher(storeA, { owner: 'wA', sendDigest }).flushOnce()).toEqual({ digests: 2, items: 4, postponed: 0, failures: 1 });
    const crashed = attempts.find((c) => c.digestId === failing)!;
    await storeA.add(groupOf('u1'), first, item('late', { recipientId: 'u1' }), nextWindow); // into the next window

    const b = flusher(storeB, { owner: 'wB', sendDigest });
    expect(await b.flushOnce()).toEqual({ digests: 0, items: 0, postponed: 0, failures: 0 }); // lease still live
    clock.advance(LEASE);
    expect(await b.flushOnce()).toEqual({ digests: 1, items: 2, postponed: 0, failures: 0 });
    expect(attempts.at(-1)).toEqual({ ...crashed, fencingToken: 2, resumed: true });
    expect(await infra.redis.exists(keys.batchClaim(groupOf('u1'), first))).toBe(0);

    clock.set(first + WINDOW_MS);
    expect(await b.flushOnce()).toEqual({ digests: 1, items: 1, postponed: 0, failures: 0 });
    expect(idsOf(attempts.at(-1))).toEqual(['late']);
  });

  it('after a crash half-way, the resumed pass sends nothing twice when the sender is idempotent by digest id', async () => {
    // The provider's view: every digest id it accepted, and how often.
    const delivered: string[] = [];
    // The send-once ledger's view: digest ids recorded as sent (survives the crashed worker).
    const ledger = new Set<string>();
    const idempotentSend = async (claim: Claim) => {
      if (ledger.has(claim.digestId)) return;
      delivered.push(claim.digestId);
      ledger.add(claim.digestId);
    };
    const storeA = workerStore();
    const storeB = workerStore();
    await seed(storeA, 12, 2);
    clock.set(first);

    // Worker A sends, then fails: its second digest is accepted by the provider and the call throws
    // (the reply was lost); its third is accepted and A hangs before closing the claim, as if the
    // process died; its later windows are never claimed.
    let calls = 0;
    const crashing = async (claim: Claim) => {
      const call = ++calls;
      await idempotentSend(claim);
      if (call === 2) throw new RetriableError('connection reset after the provider accepted', 'smtp_unavailable');
      if (call === 3) await new Promise(() => {});
    };
    const abandoned = flusher(storeA, { owner: 'wA', sendDigest: crashing, concurrency: 4 }).flushOnce();
    await eventually(async () => calls === 4, "worker A's first four digests", 5_000);
    const [, thrown, hung] = delivered;

    const resumedClaims: Claim[] = [];
    const b = flusher(storeB, {
      owner: 'wB',
      concurrency: 4,
      sendDigest: async (claim) => {
        if (claim.resumed) resumedClaims.push(claim);
        await idempotentSend(claim);
      },
    });
    // Within A's lease, B flushes only the windows A never reached.
    const before = await b.flushOnce();
    expect(before).toEqual({ digests: 8, items: 16, postponed: 0, failures: 0 });
    clock.advance(LEASE);
    expect(await b.flushOnce()).toEqual({ digests: 2, items: 4, postponed: 0, failures: 0 });
    expect(resumedClaims.map((c) => [c.digestId, c.fencingToken]).sort()).toEqual(
      [
        [thrown, 2],
        [hung, 2],
      ].sort(),
    );

    const counts = countsOf(delivered);
    expect(Object.keys(counts)).toHaveLength(12);
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    expect(await storeB.depth()).toBe(0);
    void abandoned; // never settles: the worker it stands for is gone
  });

  it('hands a digest back until the time the sender names, and sends it then', async () => {
    const store = workerStore();
    await seed(store, 1, 2);
    const until = first + 45 * 60_000;
    const calls: Claim[] = [];
    const run = flusher(store, {
      sendDigest: async (claim) => {
        calls.push(claim);
        return clock.now() < until ? { postponeUntil: until } : undefined;
      },
    });
    clock.set(first);
    expect(await run.flushOnce()).toEqual({ digests: 0, items: 0, postponed: 1, failures: 0 });
    expect(await infra.redis.exists(keys.batchClaim(groupOf('u0'), first))).toBe(1); // not completed
    expect(await store.dueWindows(until - 1, 10)).toEqual([]);
    clock.set(until - 1);
    expect(await run.flushOnce()).toEqual({ digests: 0, items: 0, postponed: 0, failures: 0 });
    expect(calls).toHaveLength(1);

    clock.set(until);
    expect(await run.flushOnce()).toEqual({ digests: 1, items: 2, postponed: 0, failures: 0 });
    expect(calls[1]).toEqual({ ...calls[0], fencingToken: 2, resumed: true });
    expect(await store.depth()).toBe(0);
  });

  it('polls once started, and stop() waits for the running pass and ends polling', async () => {
    const store = workerStore();
    const sent: Claim[] = [];
    let finished = 0;
    let releaseSend: () => void = () => {};
    let gated = false;
    const run = flusher(store, {
      sendDigest: async (claim) => {
        if (gated) await new Promise<void>((resolve) => (releaseSend = resolve));
        sent.push(claim);
        finished += 1;
      },
    });
    await seed(store, 2, 2);
    run.start();
    run.start(); // a second start does not start a second loop
    clock.set(first);
    await eventually(async () => sent.length === 2, 'both digests flushed by the poll', 5_000);

    gated = true;
    await store.add(groupOf('u0'), first + WINDOW_MS, item('more'), nextWindow);
    clock.set(first + WINDOW_MS);
    await eventually(async () => (await store.pendingCount(refOf(groupOf('u0'), first + WINDOW_MS))) === 0, 'the next window claimed', 5_000);
    let stopped = false;
    const stopping = run.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false); // waits for the digest being sent
    releaseSend();
    await stopping;
    expect(finished).toBe(3);
    expect(await infra.redis.exists(keys.batchClaim(groupOf('u0'), first + WINDOW_MS))).toBe(0);

    gated = false;
    await store.add(groupOf('u9'), first + 2 * WINDOW_MS, item('after-stop', { recipientId: 'u9' }), nextWindow);
    clock.set(first + 2 * WINDOW_MS);
    await new Promise((r) => setTimeout(r, 200)); // ten poll intervals
    expect(sent).toHaveLength(3);
    expect(await store.pendingCount(refOf(groupOf('u9'), first + 2 * WINDOW_MS))).toBe(1);
  });
});
