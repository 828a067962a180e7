/**
 * Every Redis key herald uses, built here and nowhere else (after BullMQ's queue-keys.ts).
 * The part in `{…}` is the Redis Cluster hash tag: keys a Lua script touches together share it.
 * `prefix` lets tests run side by side on one Redis (each test uses a random one).
 */
export function createKeys(prefix = 'herald') {
  return {
    /** String: first Kafka coordinates that carried this deduplication key (SET NX, TTL = dedup TTL). */
    dedup: (dedupKey: string) => `${prefix}:{dedup:${dedupKey}}`,
    /** Hash: `recipientId|channel` → JSON delivery record, the send-once ledger and queryable state. */
    deliveries: (eventId: string) => `${prefix}:{n:${eventId}}:deliveries`,
    /** Hash: summary of the event (type, priority, createdAt, receivedAt, recipients count). */
    notificationMeta: (eventId: string) => `${prefix}:{n:${eventId}}:meta`,
    /** String: JSON user profile (addresses, locale, time zone, preferences). */
    user: (userId: string) => `${prefix}:{u:${userId}}:profile`,
    /** List: newest-first in-app inbox entries, capped per config. */
    inbox: (userId: string) => `${prefix}:{u:${userId}}:inbox`,
    /** Sorted set: delivery ids already pushed to the inbox, by push time, so a retried delivery is not added twice. */
    inboxDelivered: (userId: string) => `${prefix}:{u:${userId}}:inbox-delivered`,
    /** Hash: eventId → JSON item waiting for the next digest of one recipient and channel. */
    batchItems: (batchId: string) => `${prefix}:{b:${batchId}}:items`,
    /** Sorted set: eventId by arrival order, so digests take the oldest items first. */
    batchOrder: (batchId: string) => `${prefix}:{b:${batchId}}:order`,
    /** Hash: the batch's open claim (digest id, owner, lease expiry, fencing token, items JSON). */
    batchClaim: (batchId: string) => `${prefix}:{b:${batchId}}:claim`,
    /** String counter: sequence of digests of one batch, part of the deterministic digest id. Never expires, so a digest id is never reused. */
    batchSeq: (batchId: string) => `${prefix}:{b:${batchId}}:seq`,
    /** Sorted set: event ids already taken into a digest, by claim time, kept for a retention so a redelivered item is not batched again. */
    batchClaimed: (batchId: string) => `${prefix}:{b:${batchId}}:claimed`,
    /** Sorted set: batch ids with pending items, by the time their first item arrived. */
    batchesDue: () => `${prefix}:{batches}:due`,
    /** Hash: token bucket of one channel and provider (tokens, last refill). */
    rateLimit: (channel: string, provider: string) => `${prefix}:{rl:${channel}:${provider}}`,
    /** String with PX: epoch ms until which a provider asked us (429 Retry-After) to stop calling it. */
    providerPause: (channel: string, provider: string) => `${prefix}:{rl:${channel}:${provider}}:pause`,
    /** String counter: round-robin turn of a channel's providers, shared by every worker. */
    roundRobin: (channel: string) => `${prefix}:{rr:${channel}}`,
    /** Sorted set: delivery ids waiting for a retry of one channel, by due time (epoch ms). */
    retryDue: (channel: string) => `${prefix}:{retry:${channel}}:due`,
    /** Hash: delivery id → JSON retry item (event, recipient, attempts, last error) of one channel. */
    retryItems: (channel: string) => `${prefix}:{retry:${channel}}:items`,
    /** String: JSON delivery ref of a provider's message id (Twilio SID), so status callbacks find their delivery. */
    providerMessage: (provider: string, messageId: string) => `${prefix}:{pm:${provider}:${messageId}}`,
    /** Set: push tokens that already accepted one delivery, so a retry after a partial failure skips them. */
    pushAccepted: (deliveryId: string) => `${prefix}:{pa:${deliveryId}}`,
  };
}

/** The key builders, as returned by {@link createKeys}. */
export type RedisKeys = ReturnType<typeof createKeys>;
