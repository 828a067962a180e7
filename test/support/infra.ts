import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createLogger, type Logger } from '../../src/shared/logger';
import type { RedisClient } from '../../src/redis/commands';
import { isCluster } from '../../src/redis/redis-client';

/** Brokers and Redis the integration tests use; the same variables the service reads. */
export const TEST_BROKERS = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
export const TEST_REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** A name no other test uses: topics, groups and key prefixes are unique per test. */
export function uniqueName(label: string): string {
  return `t-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A silent logger, or a real one when HERALD_TEST_LOGS=1 (for debugging a failing test). */
export function testLogger(): Logger {
  return createLogger(process.env.HERALD_TEST_LOGS ? 'debug' : 'error', !process.env.HERALD_TEST_LOGS);
}

/** A Kafka client for tests (kafkajs's own logs silenced). */
export function testKafka(clientId = uniqueName('client')): Kafka {
  return new Kafka({ brokers: TEST_BROKERS, clientId, logLevel: logLevel.NOTHING });
}

/** A free local TCP port (nothing listens on it): bind port 0, read the number, release it. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Every key under `prefix`: SCAN of the one Redis, or of every master of a cluster (a SCAN sent
 * to a cluster client reaches one node and sees only its slots).
 */
export async function keysUnder(redis: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  await eachKeyBatch(redis, prefix, async (_node, keys) => void found.push(...keys));
  return found;
}

async function eachKeyBatch(redis: RedisClient, prefix: string, onBatch: (node: Redis, keys: string[]) => Promise<void>): Promise<void> {
  for (const node of isCluster(redis) ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await onBatch(node, keys);
    } while (cursor !== '0');
  }
}

/** Deletes every key under `prefix` (a test's, a test service's, or a bench scenario's), on one Redis or a cluster. */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  await eachKeyBatch(redis, prefix, async (node, keys) => {
    // UNLINK frees the memory in the background: a bench scenario leaves hundreds of thousands of keys.
    // A cluster node refuses a multi-key UNLINK across slots (CROSSSLOT): one key per command there.
    if (!isCluster(redis)) return void (await node.unlink(...keys));
    const pipeline = node.pipeline();
    for (const key of keys) pipeline.unlink(key);
    await pipeline.exec();
  });
}

/** A Redis connection plus a random key prefix, and a cleanup that deletes every key under it. */
export function testRedis(): { redis: Redis; prefix: string; cleanup: () => Promise<void> } {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const prefix = uniqueName('herald');
  const cleanup = async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  };
  return { redis, prefix, cleanup };
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${String(last)}` : ''}`);
}
