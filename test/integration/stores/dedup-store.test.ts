import { createDedupStore } from '../../../src/routing/dedup-store';
import { createKeys } from '../../../src/redis/keys';
import { testRedis } from '../../support/infra';

describe('dedup store on real Redis', () => {
  let infra: ReturnType<typeof testRedis>;
  beforeEach(() => {
    infra = testRedis();
  });
  afterEach(() => infra.cleanup());

  const store = (ttlSeconds = 3_600) => createDedupStore({ redis: infra.redis, keys: createKeys(infra.prefix), ttlSeconds });

  it('answers new, then duplicate for another message, then redelivery for the same message', async () => {
    const dedup = store();
    expect(await dedup.claim('reset:u1:abc', 'incoming/0/10')).toBe('new');
    expect(await dedup.claim('reset:u1:abc', 'incoming/2/77')).toBe('duplicate');
    expect(await dedup.claim('reset:u1:abc', 'incoming/0/10')).toBe('redelivery');
    // The first marker is kept: a duplicate does not take the key over.
    expect(await dedup.claim('reset:u1:abc', 'incoming/2/77')).toBe('duplicate');
    expect(await infra.redis.get(createKeys(infra.prefix).dedup('reset:u1:abc'))).toBe('incoming/0/10');
  });

  it('keeps keys apart: another deduplication key is new', async () => {
    const dedup = store();
    expect(await dedup.claim('k1', 'incoming/0/1')).toBe('new');
    expect(await dedup.claim('k2', 'incoming/0/1')).toBe('new');
  });

  it('remembers a key for the dedup TTL', async () => {
    const dedup = store(120);
    await dedup.claim('k1', 'incoming/0/1');
    const pttl = await infra.redis.pttl(createKeys(infra.prefix).dedup('k1'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(120_000);
    expect(pttl).toBeGreaterThan(110_000);
  });

  it('forgets a key once the TTL has passed', async () => {
    const keys = createKeys(infra.prefix);
    const dedup = store();
    await dedup.claim('k1', 'incoming/0/1');
    await infra.redis.pexpire(keys.dedup('k1'), 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await dedup.claim('k1', 'incoming/3/9')).toBe('new');
  });
});
