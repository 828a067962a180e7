import type { Clock } from '../shared/clock';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import { digestIdOf, dueMemberOf, parseDueMember, type BatchItem, type BatchRef, type Claim } from './batch-item';

/** What {@link createBatchStore} needs. */
export interface BatchStoreOptions {
  redis: RedisClient;
  keys: RedisKeys;
  clock: Clock;
  /** How long a claim is held before another flusher may resume it, in ms (config `batching.claimLeaseMs`). */
  claimLeaseMs: number;
  /**
   * How long event ids taken into a group are remembered (so a Kafka redelivery is not batched
   * again, in whatever window it arrives), and closed windows stay closed, in ms. Default 86400000 (24 h, the dedup TTL).
   */
  retentionMs?: number;
}

/** What adding an item did. */
export type AddOutcome = { added: boolean; windowEnd: number };

/**
 * Redis store of the deliveries waiting for a digest: per digest group (rule, recipient, channel and
 * the rule's groupBy fields), one batch per window. A window is due at its end; the first flusher
 * to claim it closes it and takes every item, so an item arriving during the flush goes to the next
 * window. Every step on one group is one Lua script on the group's hash tag; the due index has its
 * own tag, so it is kept in step by separate calls ordered never to lose a window (see `add`).
 */
export interface BatchStore {
  /**
   * Adds an item to the window ending at `windowEnd` of its group, or, when a flush already closed
   * that window, to the window `nextWindow(windowEnd)` returns (and so on). `added` is false when the
   * event is already batched in this group (a redelivery).
   */
  add(groupKey: string, windowEnd: number, item: BatchItem, nextWindow: (closedEnd: number) => number): Promise<AddOutcome>;
  /**
   * Closes a due window and takes its items into a claim, or resumes a claim whose lease expired
   * (same digest id, same items). Null when another owner holds a live lease or the window is empty.
   */
  claim(ref: BatchRef, owner: string): Promise<Claim | null>;
  /** Closes the claim after its digest was sent; false when the claim was taken over meanwhile. */
  complete(claim: Claim): Promise<boolean>;
  /** Hands a claim back until `until` (epoch ms), when any flusher resumes it; false when it was taken over meanwhile. */
  postpone(claim: Claim, until: number): Promise<boolean>;
  /** Up to `limit` windows due at `now` (ended, or with an expired claim), earliest first. */
  dueWindows(now: number, limit: number): Promise<BatchRef[]>;
  /** Windows waiting in the index (metrics). */
  depth(): Promise<number>;
  /**
   * Windows in the index at `now` (metrics): `due` (ended, or a claim whose lease expired), `waiting`
   * (still open, or claimed by a live flusher), and the due time of the earliest due one (null when none is due).
   */
  backlog(now: number): Promise<{ due: number; waiting: number; oldestDueAt: number | null }>;
  /** Items waiting in one window (tests and tools). */
  pendingCount(ref: BatchRef): Promise<number>;
}

/** batch-claim.lua's reply. */
type ClaimReply = ['busy', string] | ['empty'] | ['new' | 'resumed', string, number, number];

/** Builds the {@link BatchStore} on one Redis connection. */
export function createBatchStore(options: BatchStoreOptions): BatchStore {
  const { redis, keys, clock, claimLeaseMs } = options;
  const retentionMs = options.retentionMs ?? 86_400_000;
  const addScript = loadScript(redis, 'batch-add', 4);
  const claimScript = loadScript(redis, 'batch-claim', 4);
  const completeScript = loadScript(redis, 'batch-complete', 1);
  const postponeScript = loadScript(redis, 'batch-postpone', 1);
  const due = keys.batchesDue();

  return {
    async add(groupKey, windowEnd, item, nextWindow) {
      let end = windowEnd;
      // A closed window is passed over; bounded, since each next window ends later than the last.
      for (let hops = 0; hops < 1_000; hops++) {
        const added = Number(
          await addScript(
            [keys.batchSeen(groupKey), keys.batchItems(groupKey, end), keys.batchOrder(groupKey, end), keys.batchClosed(groupKey, end)],
            [item.eventId, JSON.stringify(item), clock.now(), retentionMs],
          ),
        );
        if (added === -2) {
          end = nextWindow(end);
          continue;
        }
        // Items first, index second: a crash in between is healed by the redelivery (added 0 → indexed again).
        // NX keeps a claimed window's lease-end score.
        if (added >= 0) await redis.zadd(due, 'NX', end, dueMemberOf({ groupKey, windowEnd: end }));
        return { added: added === 1, windowEnd: end };
      }
      throw new Error(`digest group ${groupKey}: every window tried is closed; check the rule's window settings`);
    },

    async claim(ref, owner) {
      const member = dueMemberOf(ref);
      const reply = (await claimScript(
        [
          keys.batchItems(ref.groupKey, ref.windowEnd),
          keys.batchOrder(ref.groupKey, ref.windowEnd),
          keys.batchClaim(ref.groupKey, ref.windowEnd),
          keys.batchClosed(ref.groupKey, ref.windowEnd),
        ],
        [clock.now(), claimLeaseMs, owner, retentionMs],
      )) as ClaimReply;
      if (reply[0] === 'busy') {
        // Look again when that lease ends, not at every poll.
        await redis.zadd(due, 'XX', Number(reply[1]), member);
        return null;
      }
      if (reply[0] === 'empty') {
        await redis.zrem(due, member);
        return null;
      }
      const [status, itemsJson, token, leaseUntil] = reply;
      // If this owner dies, the window is due again when its lease ends.
      await redis.zadd(due, 'XX', Number(leaseUntil), member);
      return { ...ref, digestId: digestIdOf(ref), items: JSON.parse(itemsJson) as BatchItem[], fencingToken: Number(token), resumed: status === 'resumed' };
    },

    async complete(claim) {
      const closed = Number(await completeScript([keys.batchClaim(claim.groupKey, claim.windowEnd)], [String(claim.fencingToken)])) === 1;
      // The window is closed for good (its marker outlives it), so nothing can be added back to it.
      if (closed) await redis.zrem(due, dueMemberOf(claim));
      return closed;
    },

    async postpone(claim, until) {
      const done = Number(await postponeScript([keys.batchClaim(claim.groupKey, claim.windowEnd)], [String(claim.fencingToken), Math.round(until)])) === 1;
      if (done) await redis.zadd(due, 'XX', Math.round(until), dueMemberOf(claim));
      return done;
    },

    async dueWindows(now, limit) {
      if (limit <= 0) return [];
      const members = await redis.zrangebyscore(due, '-inf', now, 'LIMIT', 0, limit);
      return members.map(parseDueMember);
    },

    async depth() {
      return redis.zcard(due);
    },

    async backlog(now) {
      const [dueCount, total, first] = await Promise.all([
        redis.zcount(due, '-inf', now),
        redis.zcard(due),
        redis.zrangebyscore(due, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1),
      ]);
      // Three reads, not one snapshot: a flush in between must not make `waiting` negative.
      return { due: dueCount, waiting: Math.max(0, total - dueCount), oldestDueAt: first.length === 2 ? Number(first[1]) : null };
    },

    async pendingCount(ref) {
      return redis.zcard(keys.batchOrder(ref.groupKey, ref.windowEnd));
    },
  };
}
