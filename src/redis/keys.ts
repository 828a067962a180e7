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
    /** Sorted set: event ids ever batched in one digest group, by time, kept for the dedup retention so a redelivery is not batched twice. */
    batchSeen: (groupKey: string) => `${prefix}:{b:${groupKey}}:seen`,
    /** Hash: eventId → JSON item waiting in one window of one digest group. */
    batchItems: (groupKey: string, windowEnd: number) => `${prefix}:{b:${groupKey}}:w:${windowEnd}:items`,
    /** Sorted set: eventId by arrival, so digests list the oldest items first. */
    batchOrder: (groupKey: string, windowEnd: number) => `${prefix}:{b:${groupKey}}:w:${windowEnd}:order`,
    /** Hash: the window's open claim (owner, lease expiry, fencing token, items JSON). */
    batchClaim: (groupKey: string, windowEnd: number) => `${prefix}:{b:${groupKey}}:w:${windowEnd}:claim`,
    /** String: set once a flush took the window; later items go to the next window. Expires after the dedup retention. */
    batchClosed: (groupKey: string, windowEnd: number) => `${prefix}:{b:${groupKey}}:w:${windowEnd}:closed`,
    /** Sorted set: `windowEnd|groupKey` of windows with items or an open claim, by when they are due (window end, or lease end while claimed). */
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
    /**
     * String: `pending` (PX lease) while one signed Twilio status report is applied, then `applied`
     * (EX retention), so the same report sent again is refused. Fingerprint: SHA-256 of its URL and parameters.
     */
    twilioReport: (fingerprint: string) => `${prefix}:{tw:${fingerprint}}`,
    /** Set: push tokens that already accepted one delivery, so a retry after a partial failure skips them. */
    pushAccepted: (deliveryId: string) => `${prefix}:{pa:${deliveryId}}`,
    /** Sorted set: event ids counted against one frequency cap of one recipient, by check time (sliding window). */
    frequencyCap: (recipientId: string, capName: string) => `${prefix}:{fc:${recipientId}}:${capName}`,
    /** Sorted set: scheduled event ids by due time (epoch ms), or by lease end while one is being fired. */
    scheduleDue: () => `${prefix}:{sched}:due`,
    /** Hash: event id → JSON `{ event, dueAt, scheduledAt }` of an event held until its due time. */
    scheduleItems: () => `${prefix}:{sched}:items`,
    /** String with PX: `scheduled`, `firing`, `fired` or `cancelled`, so a redelivered event is not scheduled again. */
    scheduleState: (eventId: string) => `${prefix}:{sched}:state:${eventId}`,
    /** Sorted set: delivery ids that may be in flight (`pending`/`sending`), by their last change (epoch ms); a superset the verification sweep checks. */
    inflight: () => `${prefix}:{inflight}`,
    /** Hash: worker owner id → JSON heartbeat (host, pid, breaker states), so `herald breakers` sees every worker. */
    workers: () => `${prefix}:{workers}`,
    /** String with PX: `token|owner` of the worker holding one named lock (the sweep's). */
    lock: (name: string) => `${prefix}:{lock:${name}}`,
    /** String counter: fencing tokens of one named lock, one per acquisition. Never expires, so a token is never reused. */
    lockToken: (name: string) => `${prefix}:{lock:${name}}:token`,
  };
}

/** The key builders, as returned by {@link createKeys}. */
export type RedisKeys = ReturnType<typeof createKeys>;
