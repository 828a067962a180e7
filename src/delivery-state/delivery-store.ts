import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock';
import type { Channel } from '../contract/event-v1';
import { loadScript } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import type { DeliveryRecord, DeliveryStatus, StatusChange } from './types';

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

/** Options of {@link createDeliveryStore}. */
export interface DeliveryStoreOptions {
  redis: Redis;
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
  const iso = () => new Date(clock.now()).toISOString();
  const owner = options.owner ?? randomUUID();

  /**
   * Sets the status (and details) of a delivery. Returns false when the change was refused: `pending`
   * over an existing record; after `sent`, anything but `sent` or one provider report
   * (`how.report`: delivered/failed/bounced); anything after that report.
   */
  async function set(ref: DeliveryRef, status: DeliveryStatus, details: Partial<Omit<DeliveryRecord, 'status' | 'updatedAt'>> = {}, how: { report?: boolean } = {}): Promise<boolean> {
    const at = iso();
    const patch = { recipientId: ref.recipientId, channel: ref.channel, ...details, status, updatedAt: at };
    const written = (await update([keys.deliveries(ref.eventId)], [field(ref), JSON.stringify(patch), retentionSeconds, how.report ? '1' : '0'])) as string | null;
    if (!written) return false;
    if (options.onChange && status !== 'sending') {
      const record = JSON.parse(written) as DeliveryRecord;
      await options.onChange({
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
      });
    }
    return true;
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
      const key = keys.notificationMeta(eventId);
      const pipeline = redis.pipeline();
      for (const [k, v] of Object.entries(meta)) pipeline.hsetnx(key, k, v);
      pipeline.expire(key, retentionSeconds);
      await pipeline.exec();
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
