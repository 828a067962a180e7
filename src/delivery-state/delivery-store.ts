import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import { isCluster } from '../redis/redis-client';
import type { DeliveryRecord, StatusChange } from './types';
import type { DeliveryStatus } from '../contract/vocabulary';

/** Identifies one delivery: an event, a recipient, a channel. */
export interface DeliveryRef {
  eventId: string;
  recipientId: string;
  channel: Channel;
}

/** Outcome of asking for the send lease. */
export type BeginVerdict = { verdict: 'acquired' | 'already_sent' | 'settled' | 'in_flight'; attempts: number; /** Epoch ms the other worker's lease ends, when `in_flight`. */ leaseUntil?: number };

const field = (ref: DeliveryRef) => `${ref.recipientId}|${ref.channel}`;

/** A delivery's stable id (`eventId|recipientId|channel`): its idempotency key, the same on every try. */
export const deliveryIdOf = (ref: DeliveryRef) => `${ref.eventId}|${ref.recipientId}|${ref.channel}`;

/**
 * The refs a delivery id may stand for. Event ids and user ids may themselves hold `|`, so an id
 * with more than two of them has one reading per split; the record that exists tells them apart.
 */
export function refsOfDeliveryId(deliveryId: string): DeliveryRef[] {
  const last = deliveryId.lastIndexOf('|');
  if (last < 0) return [];
  const channel = deliveryId.slice(last + 1) as Channel;
  const head = deliveryId.slice(0, last);
  const refs: DeliveryRef[] = [];
  for (let i = head.indexOf('|'); i >= 0; i = head.indexOf('|', i + 1)) refs.push({ eventId: head.slice(0, i), recipientId: head.slice(i + 1), channel });
  return refs;
}

/** Statuses of a delivery some worker still owes an outcome: the ones the in-flight index tracks. */
const IN_FLIGHT: ReadonlySet<DeliveryStatus> = new Set<DeliveryStatus>(['pending', 'sending']);

/** One entry of the in-flight index: a delivery id and when it last changed (epoch ms). */
export interface InflightEntry {
  deliveryId: string;
  since: number;
}

/** Options of {@link createDeliveryStore}. */
export interface DeliveryStoreOptions {
  redis: RedisClient;
  keys: RedisKeys;
  clock: Clock;
  retentionSeconds: number;
  leaseMs: number;
  /** This worker process's id, recorded with its leases. Default: a random id. */
  owner?: string;
  /**
   * Called after every status change that was written (not for refused ones, nor for the internal
   * `sending` lease); the service publishes these to `notifications.status`. A rejection propagates,
   * so the caller retries and the change feed stays at least once.
   */
  onChange?: (change: StatusChange) => Promise<void>;
}

/** What {@link DeliveryStore.reopen} found: see delivery-reopen.lua. */
export interface ReopenVerdict {
  verdict: 'reopened' | 'unknown' | 'already_sent' | 'skipped' | 'in_progress' | 'not_dead_lettered';
  attempts: number;
}

/** What a provider status callback did: changed the state, repeated a change already made, or named a message herald does not know. */
export type CallbackVerdict = 'applied' | 'duplicate' | 'unknown';

/**
 * Delivery state in Redis: one hash per event, one field per recipient and channel.
 * It is both what `GET /api/notifications/:id` shows and the send-once ledger the dispatcher
 * consults before every provider call.
 */
export function createDeliveryStore(options: DeliveryStoreOptions) {
  const { redis, keys, clock, retentionSeconds } = options;
  const begin = loadScript(redis, 'delivery-begin', 1);
  const update = loadScript(redis, 'delivery-update', 1);
  const forget = loadScript(redis, 'sweep-forget', 1);
  const reopen = loadScript(redis, 'delivery-reopen', 1);
  const recordMeta = loadScript(redis, 'meta-record', 1);
  const inflight = keys.inflight();
  const iso = () => new Date(clock.now()).toISOString();
  const owner = options.owner ?? randomUUID();

  /**
   * Writes a status (and details) and returns the change to publish, or null when the change was
   * refused: `pending` over an existing record; after `sent`, anything but `sent` or one provider
   * report (`how.report`: delivered/failed/bounced); anything after that report.
   */
  async function write(
    ref: DeliveryRef,
    status: DeliveryStatus,
    details: Partial<Omit<DeliveryRecord, 'status' | 'updatedAt'>>,
    how: { report?: boolean },
  ): Promise<{ change: StatusChange | null; leaving: Promise<void> }> {
    const at = iso();
    const patch = { recipientId: ref.recipientId, channel: ref.channel, ...details, status, updatedAt: at };
    const script = () => update([keys.deliveries(ref.eventId)], [field(ref), JSON.stringify(patch), retentionSeconds, how.report ? '1' : '0', clock.now(), owner]) as Promise<string | null>;
    const written = IN_FLIGHT.has(status) ? await indexedWrite(ref, script) : await script();
    // Another worker is sending it under a live lease: the delivery stays in flight, its outcome is that worker's to write.
    if (written === 'leased') return { change: null, leaving: Promise.resolve() };
    // Any other status, written or refused (refused means sent already), ends the delivery's flight;
    // only after the write landed, so a failed write leaves the delivery where the sweep finds it.
    const leaving = IN_FLIGHT.has(status) ? Promise.resolve() : forgetQuietly(deliveryIdOf(ref));
    if (!written) return { change: null, leaving };
    const record = JSON.parse(written) as DeliveryRecord;
    const change: StatusChange = {
      eventId: ref.eventId,
      recipientId: ref.recipientId,
      channel: ref.channel,
      status,
      attempts: record.attempts,
      provider: record.provider,
      providerMessageId: record.providerMessageId,
      reason: details.reason,
      detail: details.detail,
      nextAttemptAt: record.nextAttemptAt,
      at,
    };
    return { change, leaving };
  }

  /**
   * Sets the status (and details) of a delivery and publishes the change. Returns false when the
   * change was refused (see {@link write}).
   */
  async function set(ref: DeliveryRef, status: DeliveryStatus, details: Partial<Omit<DeliveryRecord, 'status' | 'updatedAt'>> = {}, how: { report?: boolean } = {}): Promise<boolean> {
    const { change, leaving } = await write(ref, status, details, how);
    try {
      if (change && options.onChange && status !== 'sending') await options.onChange(change);
    } finally {
      await leaving;
    }
    return change !== null;
  }

  /**
   * Indexes an in-flight write before it lands, so the index stays a superset of the truth. The
   * ZADD is sent right before the script on the same connection (ioredis writes commands in call
   * order; a NOSCRIPT retry comes later still), so Redis runs it first at no extra round trip.
   * A score of now (not NX) also marks a redelivery as a change, which keeps the sweep from
   * forgetting an entry it read just before (see sweep-forget.lua). If only the ZADD failed, the
   * write rejects all the same: the event is retried and indexes it then.
   * On a Redis Cluster the index (`{inflight}`) and the record (`{n:<event>}`) live on different
   * slots, mostly on different nodes and connections, so call order says nothing about which lands
   * first: there the script is sent only once the ZADD has landed (one more round trip), and a failed
   * ZADD leaves the record unwritten.
   */
  async function indexedWrite<T>(ref: DeliveryRef, write: () => Promise<T>): Promise<T> {
    const indexing = redis.zadd(inflight, clock.now(), deliveryIdOf(ref));
    if (isCluster(redis)) {
      await indexing;
      return write();
    }
    const [indexed, written] = await Promise.allSettled([indexing, write()]);
    if (written.status === 'rejected') throw written.reason;
    if (indexed.status === 'rejected') throw indexed.reason;
    return written.value;
  }

  /**
   * Drops a delivery from the in-flight index after its final write. A failure here is not the
   * caller's: the entry is stale, and the sweep finds the record past in-flight and removes it.
   */
  async function forgetQuietly(deliveryId: string): Promise<void> {
    await redis.zrem(inflight, deliveryId).catch(() => undefined);
  }

  return {
    /** Takes the send lease unless the delivery was sent already, ended for good (`settled`), or another worker is sending it. */
    async begin(ref: DeliveryRef, provider: string): Promise<BeginVerdict> {
      const base = JSON.stringify({ recipientId: ref.recipientId, channel: ref.channel, provider });
      const [verdict, attempts, leaseUntil] = (await begin([keys.deliveries(ref.eventId)], [field(ref), clock.now(), options.leaseMs, base, retentionSeconds, iso(), owner])) as [
        BeginVerdict['verdict'],
        number,
        number | undefined,
      ];
      return verdict === 'in_flight' ? { verdict, attempts: Number(attempts), leaseUntil: Number(leaseUntil) } : { verdict, attempts: Number(attempts) };
    },

    set,

    /**
     * Records a new delivery as `pending` (never over an existing record: a redelivered event keeps
     * the state its deliveries reached) and returns once it is written, without waiting for its
     * change to reach the status topic: `published` says when it did (or that it failed). The caller
     * sends meanwhile and awaits `published` before its offset may be committed, so the send does
     * not wait a status round trip and the change feed stays at least once.
     */
    async open(ref: DeliveryRef): Promise<{ opened: boolean; published: Promise<void> }> {
      const { change } = await write(ref, 'pending', {}, {});
      if (!change || !options.onChange) return { opened: change !== null, published: Promise.resolve() };
      const published = options.onChange(change);
      // Awaited by the caller after its send; this keeps a failure from counting as unhandled until then.
      published.catch(() => undefined);
      return { opened: true, published };
    },

    /** Remembers which delivery a provider's message id belongs to, so its status callbacks find it. */
    async rememberProviderMessage(provider: string, messageId: string, ref: DeliveryRef): Promise<void> {
      await redis.set(keys.providerMessage(provider, messageId), JSON.stringify(ref), 'EX', retentionSeconds);
    },

    /**
     * Applies a provider's report on a sent message (Twilio status callback): `delivered`, or `failed`
     * with the provider's error code. Repeated and out-of-order reports after the first final one are no-ops.
     */
    async applyProviderStatus(update: { provider: string; messageId: string; status: 'delivered' | 'failed' | 'bounced'; errorCode?: string }): Promise<CallbackVerdict> {
      const raw = await redis.get(keys.providerMessage(update.provider, update.messageId));
      if (!raw) return 'unknown';
      const ref = JSON.parse(raw) as DeliveryRef;
      const details = update.errorCode ? { reason: `${update.provider}_${update.errorCode}`, detail: `${update.provider} reported error ${update.errorCode}` } : {};
      return (await set(ref, update.status, details, { report: true })) ? 'applied' : 'duplicate';
    },

    /** Records the event's summary once (first write wins, so a redelivery keeps the original receivedAt). */
    async recordEvent(eventId: string, meta: Record<string, string>): Promise<void> {
      await recordMeta([keys.notificationMeta(eventId)], [retentionSeconds, ...Object.entries(meta).flat()]);
    },

    /**
     * The event as intake stored it in the notification meta (field `event`), for the sweep to
     * re-queue a stuck delivery; null once the meta expired or for an event stored without it.
     */
    async eventOf(eventId: string): Promise<EventV2 | null> {
      const raw = await redis.hget(keys.notificationMeta(eventId), 'event');
      if (raw === null) return null;
      try {
        return JSON.parse(raw) as EventV2;
      } catch (error) {
        throw new Error(`the stored JSON of event ${eventId} does not parse (${String(error)}); intake stores it with JSON.stringify, so look for another writer of ${keys.notificationMeta(eventId)}`, { cause: error });
      }
    },

    /** Up to `limit` in-flight index entries that last changed at or before `cutoff` (epoch ms), oldest first. */
    async inflightOlderThan(cutoff: number, limit: number): Promise<InflightEntry[]> {
      const flat = await redis.zrangebyscore(inflight, '-inf', cutoff, 'WITHSCORES', 'LIMIT', 0, limit);
      const entries: InflightEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ deliveryId: flat[i]!, since: Number(flat[i + 1]) });
      return entries;
    },

    /**
     * Removes a delivery from the in-flight index. With `since` (the score read), only if it was not
     * indexed again meanwhile. Returns whether it was removed.
     */
    async forgetInflight(deliveryId: string, since?: number): Promise<boolean> {
      return (await forget([inflight], [deliveryId, since ?? ''])) === 1;
    },

    /** Marks an indexed delivery as changed now (never adds one that left the index meanwhile), so the sweep looks at it again only after another wait. */
    async touchInflight(deliveryId: string): Promise<void> {
      await redis.zadd(inflight, 'XX', clock.now(), deliveryId);
    },

    /**
     * Gives a delivery herald recorded as dead-lettered (or bounced) another try: back to `pending`,
     * its attempts kept, indexed in flight so the sweep recovers it if the retry that follows is lost.
     * A sent delivery is never reopened, nor one with no record (see delivery-reopen.lua).
     */
    async reopen(ref: DeliveryRef): Promise<ReopenVerdict> {
      const [verdict, total] = await indexedWrite(ref, () => reopen([keys.deliveries(ref.eventId)], [field(ref), retentionSeconds, iso()]) as Promise<[ReopenVerdict['verdict'], number]>);
      // Only a reopened delivery is in flight; the index entry of any other is dropped again.
      if (verdict !== 'reopened' && verdict !== 'in_progress') await forgetQuietly(deliveryIdOf(ref));
      if (verdict === 'reopened') await options.onChange?.({ ...ref, status: 'pending', attempts: Number(total), reason: 'replayed', at: iso() });
      return { verdict, attempts: Number(total) };
    },

    /** One delivery's record, or null. */
    async get(ref: DeliveryRef): Promise<DeliveryRecord | null> {
      const raw = await redis.hget(keys.deliveries(ref.eventId), field(ref));
      return raw ? (JSON.parse(raw) as DeliveryRecord) : null;
    },

    /** Everything known about an event, or null when herald never saw it (or it expired). */
    async notification(eventId: string): Promise<{ id: string; meta: Record<string, string> | null; deliveries: DeliveryRecord[] } | null> {
      const [meta, deliveries] = await Promise.all([redis.hgetall(keys.notificationMeta(eventId)), redis.hgetall(keys.deliveries(eventId))]);
      const hasMeta = Object.keys(meta).length > 0;
      const records = Object.values(deliveries).map((raw) => JSON.parse(raw) as DeliveryRecord);
      if (!hasMeta && records.length === 0) return null;
      records.sort((a, b) => a.recipientId.localeCompare(b.recipientId) || a.channel.localeCompare(b.channel));
      for (const r of records) {
        delete r.leaseUntil;
        delete (r as { owner?: string }).owner;
      }
      return { id: eventId, meta: hasMeta ? meta : null, deliveries: records };
    },
  };
}

/** The delivery store, as returned by {@link createDeliveryStore}. */
export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
