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
  const release = loadScript(options.redis, 'dedup-release', 1);
  return {
    /** Claims `dedupKey` (the event's deduplicationKey, else its id) for the message at `marker`. */
    async claim(dedupKey: string, marker: string): Promise<DedupVerdict> {
      return (await claim([options.keys.dedup(dedupKey)], [marker, options.ttlSeconds * 1000])) as DedupVerdict;
    },
    /** Gives up the claim of the message at `marker` (dead-lettered, so a re-published copy is handled); false when it holds none. */
    async release(dedupKey: string, marker: string): Promise<boolean> {
      return (await release([options.keys.dedup(dedupKey)], [marker])) === 1;
    },
  };
}

/** The dedup store, as returned by {@link createDedupStore}. */
export type DedupStore = ReturnType<typeof createDedupStore>;
