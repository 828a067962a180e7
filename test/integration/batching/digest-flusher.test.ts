import type { Redis } from 'ioredis';
import { batchIdOf, type Claim } from '../../../src/batching/batch-item';
import { createBatchStore, type BatchStore } from '../../../src/batching/batch-store';
import { createDigestFlusher, type DigestFlusherOptions } from '../../../src/batching/digest-flusher';
import { systemClock, type Clock } from '../../../src/clock';
import { RetriableError } from '../../../src/errors';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import { eventually, testLogger, testRedis } from '../../support/infra';
import { item, manualClock } from './batching-fixtures';

const LEASE = 10_000;

describe('digest flusher', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  const extraConnections: Redis[] = [];

  beforeEach(() => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
  });
  afterEach(async () => {
    extraConnections.splice(0).forEach((r) => r.disconnect());
    await infra.cleanup();
  });

  /** A store on its own connection, as another worker of the group would have. */
  function workerStore(clock: Clock): BatchStore {
    const redis = infra.redis.duplicate();
    extraConnections.push(redis);
    return createBatchStore({ redis, keys, clock, claimLeaseMs: LEASE });
  }

  function flusher(store: BatchStore, overrides: Partial<DigestFlusherOptions> & Pick<DigestFlusherOptions, 'sendDigest'>) {
    return createDigestFlusher({ store, maxBatch: 2, schedule: '*/5 * * * *', logger: testLogger(), clock: systemClock, owner: 'w1', ...overrides });
  }

  /** Adds `count` items to each of `recipients` recipients' email batch. */
  async function seed(store: BatchStore, recipients: number, count: number): Promise<string[]> {
    const eventIds: string[] = [];
    for (let r = 0; r < recipients; r++) {
      for (let n = 0; n < count; n++) {
        const eventId = `e-${r}-${n}`;
        await store.add(batchIdOf(`u${r}`, 'email'), item(eventId, { recipientId: `u${r}` }));
        eventIds.push(eventId);
      }
    }
    return eventIds;
  }

  const eventIdsOf = (claims: Claim[]) => claims.flatMap((c) => c.items.map((i) => i.eventId));

  it('sends each digest exactly once when two workers flush the same batches at the same time', async () => {
    const sent: Claim[] = [];
    const sendDigest = async (claim: Claim) => {
      await new Promise((r) => setTimeout(r, 5)); // let the two workers interleave
      sent.push(claim);
    };
    const storeA = workerStore(systemClock);
    const storeB = workerStore(systemClock);
    const eventIds = await seed(storeA, 15, 3);
    const a = flusher(storeA, { owner: 'wA', sendDigest, concurrency: 4 });
    const b = flusher(storeB, { owner: 'wB', sendDigest, concurrency: 4 });

    // Each worker claims a batch at most once per run, so two runs of both drain every batch:
    // 3 items at maxBatch 2 make exactly two digests per batch, whichever worker sends them.
    const results = [...(await Promise.all([a.flushOnce(), b.flushOnce()])), ...(await Promise.all([a.flushOnce(), b.flushOnce()]))];
    const total = (field: 'digests' | 'items' | 'failures') => results.reduce((sum, r) => sum + r[field], 0);
    expect([total('digests'), total('items'), total('failures')]).toEqual([30, 45, 0]);
    expect(sent).toHaveLength(30);

    const digestIds = sent.map((c) => c.digestId);
    expect(new Set(digestIds).size).toBe(digestIds.length);
    expect(eventIdsOf(sent).sort()).toEqual(eventIds.sort());
    expect(await storeA.dueBatches(100)).toEqual([]);
  });

  it('resends a digest that failed half-way, after the lease, with the same id and items and nothing twice', async () => {
    const clock = manualClock();
    const store = workerStore(clock);
    await seed(store, 3, 2);
    const failing = batchIdOf('u1', 'email');
    const attempts: Claim[] = [];
    const sent: Claim[] = [];
    let crash = true;
    const sendDigest = async (claim: Claim) => {
      attempts.push(claim);
      if (crash && claim.batchId === failing) throw new RetriableError('smtp connection reset', 'smtp_unavailable');
      sent.push(claim);
    };
    const first = flusher(store, { owner: 'w1', sendDigest, clock });
    expect(await first.flushOnce()).toEqual({ digests: 2, items: 4, failures: 1 });
    const crashed = attempts.find((c) => c.batchId === failing)!;
    await store.add(failing, item('late', { recipientId: 'u1' })); // lands in the next digest

    crash = false;
    const second = flusher(store, { owner: 'w2', sendDigest, clock });
    expect(await second.flushOnce()).toEqual({ digests: 0, items: 0, failures: 0 }); // lease still live
    clock.advance(LEASE + 1);
    expect(await second.flushOnce()).toEqual({ digests: 1, items: 2, failures: 0 });
    const resumed = sent.find((c) => c.batchId === failing)!;
    expect(resumed).toEqual({ ...crashed, fencingToken: 2, resumed: true });

    expect(await second.flushOnce()).toEqual({ digests: 1, items: 1, failures: 0 });
    expect(sent.at(-1)!.items.map((i) => i.eventId)).toEqual(['late']);
    const digestIds = sent.map((c) => c.digestId);
    expect(new Set(digestIds).size).toBe(digestIds.length);
    expect(eventIdsOf(sent).sort()).toEqual(['e-0-0', 'e-0-1', 'e-1-0', 'e-1-1', 'e-2-0', 'e-2-1', 'late']);
  });

  it('flushes on its cron schedule and stop() waits for the running flush', async () => {
    const store = workerStore(systemClock);
    const sent: Claim[] = [];
    let finished = 0;
    const sendDigest = async (claim: Claim) => {
      await new Promise((r) => setTimeout(r, 300));
      sent.push(claim);
      finished += 1;
    };
    const scheduled = flusher(store, { schedule: '* * * * * *', maxBatch: 10, sendDigest });
    await seed(store, 2, 2);
    scheduled.start();
    await eventually(async () => sent.length === 2, 'both digests flushed by the schedule', 5_000);

    await store.add(batchIdOf('u0', 'email'), item('more', { recipientId: 'u0' }));
    const started = finished;
    // Stop while the run that claimed 'more' is still sending it (sendDigest takes 300 ms).
    await eventually(async () => (await store.pendingCount(batchIdOf('u0', 'email'))) === 0, 'next run claimed', 5_000);
    expect(finished).toBe(started);
    await scheduled.stop();
    // stop() resolved only once that digest was sent and closed, and nothing runs afterwards.
    expect(finished).toBe(started + 1);
    const afterStop = sent.length;
    expect(await store.pendingCount(batchIdOf('u0', 'email'))).toBe(0);
    expect(await infra.redis.exists(keys.batchClaim(batchIdOf('u0', 'email')))).toBe(0);
    await store.add(batchIdOf('u9', 'email'), item('after-stop', { recipientId: 'u9' }));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sent.length).toBe(afterStop);
    expect(await store.pendingCount(batchIdOf('u9', 'email'))).toBe(1);
  });
});
