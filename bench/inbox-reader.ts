import type { Redis } from 'ioredis';
import type { RedisKeys } from '../src/redis/keys';

/**
 * Reads the in-app provider's per-user delivered-id sorted sets (keys.inboxDelivered: delivery id →
 * push time in ms, written by src/redis/scripts/inbox-push.lua), pipelined over the bench users.
 */
export function createInboxReader(redis: Redis, keys: RedisKeys, userIds: readonly string[]) {
  return {
    /** In-app deliveries pushed so far to the users: ZCARD summed. */
    async count(): Promise<number> {
      const pipeline = redis.pipeline();
      for (const id of userIds) pipeline.zcard(keys.inboxDelivered(id));
      const results = (await pipeline.exec()) ?? [];
      return results.reduce((sum, [error, n]) => {
        if (error) throw error;
        return sum + Number(n);
      }, 0);
    },
    /** Epoch ms of the newest push to any of the users, 0 when none. */
    async lastPushAt(): Promise<number> {
      const pipeline = redis.pipeline();
      for (const id of userIds) pipeline.zrevrange(keys.inboxDelivered(id), 0, 0, 'WITHSCORES');
      const results = (await pipeline.exec()) ?? [];
      return results.reduce((latest, [error, reply]) => {
        if (error) throw error;
        const score = Number((reply as string[])[1] ?? 0);
        return Math.max(latest, score);
      }, 0);
    },
    /** Push time (epoch ms) of each delivery, null while not pushed yet. */
    async pushTimes(deliveries: readonly { userId: string; deliveryId: string }[]): Promise<(number | null)[]> {
      const pipeline = redis.pipeline();
      for (const d of deliveries) pipeline.zscore(keys.inboxDelivered(d.userId), d.deliveryId);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, score]) => {
        if (error) throw error;
        return score === null ? null : Number(score);
      });
    },
  };
}

/** The inbox reader, as returned by {@link createInboxReader}. */
export type InboxReader = ReturnType<typeof createInboxReader>;
