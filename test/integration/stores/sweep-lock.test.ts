import { createKeys } from '../../../src/redis/keys';
import { createSweepLock } from '../../../src/sweep/sweep-lock';
import { testRedis } from '../../support/infra';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sweep lock on real Redis', () => {
  let infra: ReturnType<typeof testRedis>;
  beforeEach(() => (infra = testRedis()));
  afterEach(() => infra.cleanup());

  const lockOf = (ttlMs: number, name = 'sweep') => createSweepLock({ redis: infra.redis, keys: createKeys(infra.prefix), name, ttlMs });

  it('elects one of two owners, and frees the lock for the other once released', async () => {
    const lock = lockOf(10_000);
    const [a, b] = await Promise.all([lock.acquire('worker-a'), lock.acquire('worker-b')]);
    const winners = [a, b].filter((held) => held !== null);
    expect(winners).toHaveLength(1);
    expect(await lock.holder()).toEqual(winners[0]);

    expect(await lock.release(winners[0]!)).toBe(true);
    expect(await lock.holder()).toBeNull();
    const next = await lock.acquire('worker-c');
    expect(next).toEqual({ token: winners[0]!.token + 1, owner: 'worker-c' });
  });

  it('after expiry another owner takes over with a higher token, and the stalled holder can neither renew nor release it', async () => {
    const lock = lockOf(150);
    const stalled = (await lock.acquire('worker-a'))!;
    expect(await lock.acquire('worker-b')).toBeNull();

    await sleep(250);
    const next = (await lock.acquire('worker-b'))!;
    expect(next.token).toBeGreaterThan(stalled.token);

    expect(await lock.renew(stalled)).toBe(false);
    expect(await lock.release(stalled)).toBe(false);
    expect(await lock.holder()).toEqual(next);
    // The new holder's TTL was not touched by the stale renew.
    expect(await infra.redis.pttl(createKeys(infra.prefix).lock('sweep'))).toBeLessThanOrEqual(150);
  });

  it('renew extends a live lock for another TTL', async () => {
    const lock = lockOf(300);
    const held = (await lock.acquire('worker-a'))!;
    await sleep(200);
    expect(await lock.renew(held)).toBe(true);
    await sleep(200);
    // 400 ms after acquisition, past the first TTL: still held thanks to the renewal.
    expect(await lock.acquire('worker-b')).toBeNull();
    expect(await lock.holder()).toEqual(held);
  });

  it('keeps locks of different names apart', async () => {
    const sweep = lockOf(10_000, 'sweep');
    const other = lockOf(10_000, 'other');
    expect(await sweep.acquire('worker-a')).toEqual({ token: 1, owner: 'worker-a' });
    expect(await other.acquire('worker-b')).toEqual({ token: 1, owner: 'worker-b' });
  });
});
