import type { Redis } from 'ioredis';
import type { Clock } from '../clock';
import { loadScript } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import type { BatchItem, Claim } from './batch-item';

/** What {@link createBatchStore} needs. */
export interface BatchStoreOptions {
  redis: Redis;
  keys: RedisKeys;
  clock: Clock;
  /** How long a claim is held before another flusher may resume it, in ms (config `batching.claimLeaseMs`). */
  claimLeaseMs: number;
  /**
   * How long event ids taken into a digest are remembered, so a Kafka redelivery of an
   * already-digested delivery is not batched again, in ms. Default 86400000 (24 h, the dedup TTL).
   */
  claimedRetentionMs?: number;
}

/**
 * Redis store of the deliveries waiting for a digest, one batch per recipient and channel.
 * Every multi-key step on a batch is one Lua script on the batch's hash tag; the due index has
 * its own tag, so it is kept in step by separate calls ordered to never lose a batch (see below).
 */
export interface BatchStore {
  /** Adds an item; false when this event is already pending or already digested in this batch. */
  add(batchId: string, item: BatchItem): Promise<boolean>;
  /**
   * Takes up to `maxItems` oldest items into a new digest, or resumes a digest whose owner's lease
   * expired (same id, same items). Null when another owner holds a live lease or nothing is pending.
   */
  claim(batchId: string, maxItems: number, owner: string): Promise<Claim | null>;
  /** Closes the claim after its digest was sent; false when the claim was taken over meanwhile. */
  complete(claim: Claim): Promise<boolean>;
  /** Up to `limit` batch ids with pending items or an open claim, oldest first. */
  dueBatches(limit: number): Promise<string[]>;
  /** Every due batch id, page by page; ids present throughout are returned even as others are removed. */
  scanDue(pageSize?: number): AsyncGenerator<string[]>;
  /** Items waiting for a digest (not counting an open claim's). */
  pendingCount(batchId: string): Promise<number>;
}

/** batch-claim.lua's reply: `busy` or `empty` alone, else `new`/`resumed` with digest id, items JSON and token. */
type ClaimReply = [status: 'busy' | 'empty' | 'new' | 'resumed', digestId: string, itemsJson: string, token: number];

/** Builds the {@link BatchStore} on one Redis connection. */
export function createBatchStore(options: BatchStoreOptions): BatchStore {
  const { redis, keys, clock, claimLeaseMs } = options;
  const claimedRetentionMs = options.claimedRetentionMs ?? 86_400_000;
  const addScript = loadScript(redis, 'batch-add', 3);
  const claimScript = loadScript(redis, 'batch-claim', 5);
  const completeScript = loadScript(redis, 'batch-complete', 2);
  const due = keys.batchesDue();

  /** Indexes the batch; NX keeps the time its oldest still-indexed item arrived. */
  async function track(batchId: string): Promise<void> {
    await redis.zadd(due, 'NX', clock.now(), batchId);
  }

  /**
   * Drops an idle batch from the due index. `add` writes the items first and the index second, so
   * we do the opposite: remove from the index first, then look at the items again. An item that
   * slipped in before our ZREM (its own ZADD NX was a no-op) is seen by the re-check and re-indexed;
   * one that slips in after it is indexed by its own ZADD. Either way no batch is left unfindable.
   */
  async function untrackIfIdle(batchId: string): Promise<void> {
    await redis.zrem(due, batchId);
    const [pending, claimOpen] = await Promise.all([redis.zcard(keys.batchOrder(batchId)), redis.exists(keys.batchClaim(batchId))]);
    if (pending > 0 || claimOpen > 0) await track(batchId);
  }

  return {
    async add(batchId, item) {
      const added = (await addScript(
        [keys.batchItems(batchId), keys.batchOrder(batchId), keys.batchClaimed(batchId)],
        [item.eventId, JSON.stringify(item), clock.now()],
      )) as number;
      // Also when already pending: a crash between the script and this call must heal on redelivery.
      if (added >= 0) await track(batchId);
      return added === 1;
    },

    async claim(batchId, maxItems, owner) {
      const reply = (await claimScript(
        [keys.batchItems(batchId), keys.batchOrder(batchId), keys.batchClaim(batchId), keys.batchSeq(batchId), keys.batchClaimed(batchId)],
        [clock.now(), claimLeaseMs, maxItems, owner, batchId, claimedRetentionMs],
      )) as ClaimReply;
      const [status, digestId, itemsJson, token] = reply;
      if (status === 'busy') return null;
      if (status === 'empty') {
        // A stale index entry (say, a crash after complete): tidy it so the index stays small.
        await untrackIfIdle(batchId);
        return null;
      }
      return { batchId, digestId, items: JSON.parse(itemsJson) as BatchItem[], fencingToken: Number(token), resumed: status === 'resumed' };
    },

    async complete(claim) {
      const [closed, pending, claimOpen] = (await completeScript(
        [keys.batchClaim(claim.batchId), keys.batchOrder(claim.batchId)],
        [claim.digestId, String(claim.fencingToken)],
      )) as [number, number, number];
      if (closed === 1 && pending === 0 && claimOpen === 0) await untrackIfIdle(claim.batchId);
      return closed === 1;
    },

    async dueBatches(limit) {
      if (limit <= 0) return [];
      return redis.zrange(due, 0, String(limit - 1));
    },

    async *scanDue(pageSize = 200) {
      // ZSCAN rather than ZRANGE pages: flushes remove ids while we page, which would shift offsets.
      let cursor = '0';
      do {
        const [next, flat] = await redis.zscan(due, cursor, 'COUNT', pageSize);
        cursor = next;
        const ids = flat.filter((_, i) => i % 2 === 0);
        if (ids.length) yield ids;
      } while (cursor !== '0');
    },

    async pendingCount(batchId) {
      return redis.zcard(keys.batchOrder(batchId));
    },
  };
}
