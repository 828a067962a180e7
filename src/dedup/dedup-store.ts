import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';

/** `new`: handle it; `redelivery`: the same Kafka message again (a crash or rebalance), handle it; `duplicate`: drop it. */
export type DedupVerdict = 'new' | 'redelivery' | 'duplicate';

/**
 * Event-level deduplication. The key remembers *which message* first carried the event, not just
 * that it was seen: if a worker dies after claiming but before committing, Kafka redelivers the
 * same offset, the marker matches, and the event is finished instead of being lost. The per-delivery
 * ledger (delivery-state) then keeps a redelivered event from sending anything twice.
 */
export function createDedupStore(options: { redis: RedisClient; keys: RedisKeys; ttlSeconds: number }) {
  const claim = loadScript(options.redis, 'dedup-claim', 1);
  return {
    /** Claims `dedupKey` (the event's deduplicationKey, else its id) for the message at `marker`. */
    async claim(dedupKey: string, marker: string): Promise<DedupVerdict> {
      return (await claim([options.keys.dedup(dedupKey)], [marker, options.ttlSeconds * 1000])) as DedupVerdict;
    },
  };
}

/** The dedup store, as returned by {@link createDedupStore}. */
export type DedupStore = ReturnType<typeof createDedupStore>;
