import type { Clock } from '../shared/clock';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import { deliveryIdOf } from '../delivery-state/delivery-store';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';

/** One delivery waiting for its next try: everything needed to render and send it again. */
export interface RetryItem {
  /** `eventId|recipientId|channel`, the same idempotency key on every try. */
  deliveryId: string;
  event: EventV2;
  channel: Channel;
  recipientId: string;
  /** The entry of the event's `recipients` it came from, resolved again at retry time (fresh address, pruned tokens). */
  recipient: string;
  /** Provider calls made so far. */
  attempts: number;
  /** Code and message of the last failure. */
  lastError: { code: string; message: string };
  /** ISO instant this retry was scheduled. */
  deferredAt: string;
}

/** The retry item of one delivery, deferred at `now` (epoch ms) after `attempts` provider calls. */
export function retryItemOf(
  event: EventV2,
  recipient: Pick<ResolvedRecipient, 'recipientId' | 'source'>,
  channel: Channel,
  attempts: number,
  lastError: RetryItem['lastError'],
  now: number,
): RetryItem {
  return {
    deliveryId: deliveryIdOf({ eventId: event.id, recipientId: recipient.recipientId, channel }),
    event,
    channel,
    recipientId: recipient.recipientId,
    recipient: recipient.source,
    attempts,
    lastError,
    deferredAt: new Date(now).toISOString(),
  };
}

/**
 * The durable delayed-retry store: per channel, a Redis sorted set of delivery ids by due time and
 * a hash of items. A delivery that fails retriably is stored here and its Kafka offset committed,
 * so a retry never holds a partition; every worker polls the due ones. One key pair per channel
 * keeps channels apart: a channel with a thousand waiting retries never delays another's.
 */
export function createRetryStore(options: { redis: RedisClient; keys: RedisKeys; clock: Clock }) {
  const { redis, keys, clock } = options;
  const schedule = loadScript(redis, 'retry-schedule', 2);
  const claim = loadScript(redis, 'retry-claim', 2);
  const complete = loadScript(redis, 'retry-complete', 2);
  const pair = (channel: Channel) => [keys.retryDue(channel), keys.retryItems(channel)];

  return {
    /**
     * Stores (or replaces) a delivery's retry, due at `dueAt` (epoch ms). Resolves once Redis has it.
     * With `onlyIfAbsent`, a retry already stored for the delivery is kept (returns false).
     */
    async schedule(item: RetryItem, dueAt: number, onlyIfAbsent = false): Promise<boolean> {
      return (await schedule(pair(item.channel), [item.deliveryId, Math.round(dueAt), JSON.stringify(item), onlyIfAbsent ? 'nx' : ''])) === 1;
    },

    /** Claims up to `limit` due retries of a channel for `leaseMs`; unfinished ones become due again after it. */
    async claimDue(channel: Channel, limit: number, leaseMs: number): Promise<RetryItem[]> {
      const flat = (await claim(pair(channel), [clock.now(), leaseMs, limit])) as string[];
      const items: RetryItem[] = [];
      for (let i = 1; i < flat.length; i += 2) items.push(JSON.parse(flat[i]!) as RetryItem);
      return items;
    },

    /** Forgets a retry that reached a final outcome. */
    async complete(channel: Channel, deliveryId: string): Promise<void> {
      await complete(pair(channel), [deliveryId]);
    },

    /** Retries waiting per channel (for metrics and `/readyz`). */
    async depth(channels: readonly Channel[]): Promise<Record<string, number>> {
      const counts = await Promise.all(channels.map((c) => redis.zcard(keys.retryDue(c))));
      return Object.fromEntries(channels.map((c, i) => [c, counts[i] ?? 0]));
    },

    /** The due time of one delivery's retry (epoch ms), or null when none is stored. */
    async dueAt(channel: Channel, deliveryId: string): Promise<number | null> {
      const score = await redis.zscore(keys.retryDue(channel), deliveryId);
      return score === null ? null : Number(score);
    },
  };
}

/** The retry store, as returned by {@link createRetryStore}. */
export type RetryStore = ReturnType<typeof createRetryStore>;
