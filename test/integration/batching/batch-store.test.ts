import { createBatchStore, type BatchStore } from '../../../src/batching/batch-store';
import { batchIdOf } from '../../../src/batching/batch-item';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import { testRedis } from '../../support/infra';
import { item, manualClock } from './batching-fixtures';

const LEASE = 10_000;
const batchId = batchIdOf('u1', 'email');

describe('batch store', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let clock: ReturnType<typeof manualClock>;
  let store: BatchStore;

  beforeEach(() => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    clock = manualClock();
    store = createBatchStore({ redis: infra.redis, keys, clock, claimLeaseMs: LEASE });
  });
  afterEach(() => infra.cleanup());

  async function addAll(ids: string[], id = batchId): Promise<void> {
    for (const eventId of ids) {
      await store.add(id, item(eventId));
      clock.advance(1); // distinct arrival times keep the order deterministic
    }
  }

  const ids = (claim: { items: { eventId: string }[] } | null) => claim?.items.map((i) => i.eventId);

  it('adds an item once per event id and indexes the batch', async () => {
    expect(await store.add(batchId, item('e1'))).toBe(true);
    expect(await store.add(batchId, item('e1', { title: 'changed' }))).toBe(false);
    expect(await store.pendingCount(batchId)).toBe(1);
    expect(await store.dueBatches(10)).toEqual([batchId]);
  });

  it('does not batch again an item already taken into a digest (Kafka redelivery)', async () => {
    await addAll(['e1']);
    const claim = await store.claim(batchId, 10, 'w1');
    expect(await store.add(batchId, item('e1'))).toBe(false);
    await store.complete(claim!);
    expect(await store.add(batchId, item('e1'))).toBe(false);
    expect(await store.pendingCount(batchId)).toBe(0);
    expect(await store.dueBatches(10)).toEqual([]);
  });

  it('claims the oldest items up to maxItems and keeps the overflow for the next digest', async () => {
    await addAll(['e1', 'e2', 'e3', 'e4', 'e5']);
    const first = await store.claim(batchId, 2, 'w1');
    expect(first).toMatchObject({ batchId, digestId: `${batchId}#1`, fencingToken: 1, resumed: false });
    expect(ids(first)).toEqual(['e1', 'e2']);
    expect(first!.items[0]).toEqual(item('e1'));
    expect(await store.pendingCount(batchId)).toBe(3);

    expect(await store.complete(first!)).toBe(true);
    const second = await store.claim(batchId, 2, 'w1');
    expect(second!.digestId).toBe(`${batchId}#2`);
    expect(ids(second)).toEqual(['e3', 'e4']);
    await store.complete(second!);
    expect(ids(await store.claim(batchId, 2, 'w1'))).toEqual(['e5']);
  });

  it('puts items that arrive during an open claim into the next digest', async () => {
    await addAll(['e1', 'e2']);
    const first = await store.claim(batchId, 10, 'w1');
    await addAll(['e3']);
    await store.complete(first!);
    expect(ids(first)).toEqual(['e1', 'e2']);
    expect(await store.dueBatches(10)).toEqual([batchId]);
    const next = await store.claim(batchId, 10, 'w1');
    expect(next!.digestId).toBe(`${batchId}#2`);
    expect(ids(next)).toEqual(['e3']);
  });

  it('lets only one owner hold a batch while its lease is live', async () => {
    await addAll(['e1', 'e2']);
    const first = await store.claim(batchId, 1, 'w1');
    expect(first).not.toBeNull();
    clock.advance(LEASE - 1);
    expect(await store.claim(batchId, 1, 'w2')).toBeNull();
    expect(await store.pendingCount(batchId)).toBe(1); // the blocked claimer took nothing
  });

  it('resumes an expired claim with the same digest id and items, under a new fencing token', async () => {
    await addAll(['e1', 'e2', 'e3']);
    const crashed = await store.claim(batchId, 2, 'w1');
    await addAll(['e4']);
    clock.advance(LEASE + 1);
    const resumed = await store.claim(batchId, 2, 'w2');
    expect(resumed).toEqual({ ...crashed, fencingToken: 2, resumed: true });
    expect(await store.pendingCount(batchId)).toBe(2); // e3, e4 untouched
  });

  it('ignores a stale owner completing after its claim was taken over', async () => {
    await addAll(['e1', 'e2']);
    const stale = await store.claim(batchId, 10, 'w1');
    clock.advance(LEASE + 1);
    const current = await store.claim(batchId, 10, 'w2');
    expect(await store.complete(stale!)).toBe(false);
    expect(await infra.redis.exists(keys.batchClaim(batchId))).toBe(1);
    expect(await store.claim(batchId, 10, 'w3')).toBeNull(); // w2 still holds it
    expect(await store.complete(current!)).toBe(true);
    expect(await infra.redis.exists(keys.batchClaim(batchId))).toBe(0);
  });

  it('ignores a stale token even when a later digest reuses token 1', async () => {
    await addAll(['e1']);
    const old = await store.claim(batchId, 10, 'w1');
    await store.complete(old!);
    await addAll(['e2']);
    const next = await store.claim(batchId, 10, 'w2');
    expect(next!.fencingToken).toBe(old!.fencingToken);
    expect(await store.complete(old!)).toBe(false);
    expect(await infra.redis.exists(keys.batchClaim(batchId))).toBe(1);
  });

  it('keeps the due index consistent: idle batches leave it, claimed and expired ones stay', async () => {
    const other = batchIdOf('u2', 'email');
    await addAll(['a1'], batchId);
    await addAll(['b1', 'b2'], other);
    expect((await store.dueBatches(10)).sort()).toEqual([batchId, other].sort());

    const claimA = await store.claim(batchId, 10, 'w1');
    const claimB = await store.claim(other, 1, 'w1');
    expect((await store.dueBatches(10)).sort()).toEqual([batchId, other].sort()); // open claims stay findable
    clock.advance(LEASE + 1);
    expect(await store.dueBatches(10)).toContain(batchId); // expired claim still findable

    await store.complete(claimA!);
    await store.complete(claimB!);
    expect(await store.dueBatches(10)).toEqual([other]); // b2 is still pending

    // A stale index entry (as after a crash between complete and the index update) is tidied by claim.
    await infra.redis.zadd(keys.batchesDue(), 'NX', clock.now(), 'ghost|email');
    expect(await store.claim('ghost|email', 10, 'w1')).toBeNull();
    expect(await store.dueBatches(10)).toEqual([other]);

    const scanned: string[] = [];
    for await (const page of store.scanDue(1)) scanned.push(...page);
    expect(scanned).toEqual([other]);
  });

  it('never leaves a batch with pending items out of the index when adds race completes', async () => {
    // A second connection, so the add really interleaves with the complete's steps.
    const writerRedis = infra.redis.duplicate();
    const writer = createBatchStore({ redis: writerRedis, keys, clock, claimLeaseMs: LEASE });
    try {
      for (let round = 0; round < 40; round++) {
        await store.add(batchId, item(`old-${round}`));
        const claim = await store.claim(batchId, 10, 'w1');
        await Promise.all([store.complete(claim!), writer.add(batchId, item(`new-${round}`))]);
        expect(await store.dueBatches(10)).toEqual([batchId]);
        const drain = await store.claim(batchId, 10, 'w1');
        await store.complete(drain!);
        expect(await store.dueBatches(10)).toEqual([]);
      }
    } finally {
      writerRedis.disconnect();
    }
  });

  it('re-indexes a pending batch whose index entry was lost, on the next add of any of its items', async () => {
    await addAll(['e1']);
    await infra.redis.zrem(keys.batchesDue(), batchId); // crash between the script and the index call
    expect(await store.add(batchId, item('e1'))).toBe(false);
    expect(await store.dueBatches(10)).toEqual([batchId]);
  });
});
