import type { Redis } from 'ioredis';
import { createRedisClient } from '../../../src/redis/redis-client';
import { TEST_REDIS_URL, uniqueName } from '../../support/infra';

describe('the worker’s Redis client (auto-pipelining) on a real Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = createRedisClient({ REDIS_URL: TEST_REDIS_URL }, { maxRetriesPerRequest: 1, enableOfflineQueue: true, autoPipelining: true }) as Redis;
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('writes the commands of one turn as one pipeline and runs them in call order (the in-flight index relies on it)', async () => {
    await redis.ping();
    const key = uniqueName('autopipeline');
    // The ZADD before the read, as the in-flight index sends its ZADD before the ledger's script.
    const added = redis.zadd(key, 1, 'd1');
    const read = redis.zscore(key, 'd1');
    const removed = redis.zrem(key, 'd1');
    const after = redis.zscore(key, 'd1');
    // Queued, not yet written: ioredis flushes the queue once per turn of the event loop.
    expect(redis.autoPipelineQueueSize).toBe(4);
    expect(await Promise.all([added, read, removed, after])).toEqual([1, '1', 1, null]);
    expect(redis.autoPipelineQueueSize).toBe(0);
  });

  it('keeps each command’s own error to itself: one failing command of a pipeline rejects alone', async () => {
    const key = uniqueName('autopipeline');
    const set = redis.set(key, 'text');
    const wrongType = redis.zadd(key, 1, 'd1');
    const get = redis.get(key);
    await expect(set).resolves.toBe('OK');
    await expect(wrongType).rejects.toThrow(/WRONGTYPE/);
    await expect(get).resolves.toBe('text');
    await redis.del(key);
  });
});
