import type { Clock } from '../shared/clock';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import { isCluster } from '../redis/redis-client';
import type { DeliveryStatus } from '../contract/vocabulary';
import { deliveryIdOf, type DeliveryRef } from './delivery-ref';

/** Statuses of a delivery some worker still owes an outcome: the ones the in-flight index tracks. */
export const IN_FLIGHT: ReadonlySet<DeliveryStatus> = new Set<DeliveryStatus>(['pending', 'sending']);

/** One entry of the in-flight index: a delivery id and when it last changed (epoch ms). */
export interface InflightEntry {
  deliveryId: string;
  since: number;
}

/**
 * The in-flight index: a sorted set of the deliveries some worker still owes an outcome (`pending`,
 * `sending`), by when they last changed. It is a superset of the truth, written before a record
 * becomes in flight and cleared after its final write, so the verification sweep (src/sweep) finds
 * every delivery a crash left behind by reading it instead of every record.
 */
export function createInflightIndex(options: { redis: RedisClient; keys: RedisKeys; clock: Clock }) {
  const { redis, clock } = options;
  const forget = loadScript(redis, 'sweep-forget', 1);
  const inflight = options.keys.inflight();

  return {
    /**
     * Indexes an in-flight write before it lands, so the index stays a superset of the truth. The
     * ZADD is sent right before the script on the same connection (ioredis writes commands in call
     * order, auto-pipelined or not: test/integration/stores/redis-client.test.ts; a NOSCRIPT retry
     * comes later still), so Redis runs it first at no extra round trip.
     * A score of now (not NX) also marks a redelivery as a change, which keeps the sweep from
     * forgetting an entry it read just before (see sweep-forget.lua). If only the ZADD failed, the
     * write rejects all the same: the event is retried and indexes it then.
     * On a Redis Cluster the index (`{inflight}`) and the record (`{n:<event>}`) live on different
     * slots, mostly on different nodes and connections, so call order says nothing about which lands
     * first: there the script is sent only once the ZADD has landed (one more round trip), and a failed
     * ZADD leaves the record unwritten.
     */
    async indexedWrite<T>(ref: DeliveryRef, write: () => Promise<T>): Promise<T> {
      const indexing = redis.zadd(inflight, clock.now(), deliveryIdOf(ref));
      if (isCluster(redis)) {
        await indexing;
        return write();
      }
      const [indexed, written] = await Promise.allSettled([indexing, write()]);
      if (written.status === 'rejected') throw written.reason;
      if (indexed.status === 'rejected') throw indexed.reason;
      return written.value;
    },

    /**
     * Drops a delivery from the index after its final write. A failure here is not the caller's:
     * the entry is stale, and the sweep finds the record past in-flight and removes it.
     */
    async forgetQuietly(deliveryId: string): Promise<void> {
      await redis.zrem(inflight, deliveryId).catch(() => undefined);
    },

    /** Up to `limit` entries that last changed at or before `cutoff` (epoch ms), oldest first. */
    async olderThan(cutoff: number, limit: number): Promise<InflightEntry[]> {
      const flat = await redis.zrangebyscore(inflight, '-inf', cutoff, 'WITHSCORES', 'LIMIT', 0, limit);
      const entries: InflightEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ deliveryId: flat[i]!, since: Number(flat[i + 1]) });
      return entries;
    },

    /** Removes an entry; with `since` (the score read), only if it was not indexed again meanwhile. Returns whether it was removed. */
    async forget(deliveryId: string, since?: number): Promise<boolean> {
      return (await forget([inflight], [deliveryId, since ?? ''])) === 1;
    },

    /** Marks an indexed delivery as changed now (never adds one that left the index meanwhile), so the sweep looks at it again only after another wait. */
    async touch(deliveryId: string): Promise<void> {
      await redis.zadd(inflight, 'XX', clock.now(), deliveryId);
    },
  };
}

/** The in-flight index, as returned by {@link createInflightIndex}. */
export type InflightIndex = ReturnType<typeof createInflightIndex>;
