import type { Redis } from 'ioredis';
import type { Clock } from '../clock';
import type { Channel } from '../contract/event-v1';
import { loadScript } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import type { DeliveryRecord, DeliveryStatus } from './types';

/** Identifies one delivery: an event, a recipient, a channel. */
export interface DeliveryRef {
  eventId: string;
  recipientId: string;
  channel: Channel;
}

/** Outcome of asking for the send lease. */
export type BeginVerdict = { verdict: 'acquired' | 'already_sent' | 'in_flight'; attempts: number };

const field = (ref: DeliveryRef) => `${ref.recipientId}|${ref.channel}`;

/**
 * Delivery state in Redis: one hash per event, one field per recipient and channel.
 * It is both what `GET /api/notifications/:id` shows and the send-once ledger the dispatcher
 * consults before every provider call.
 */
export function createDeliveryStore(options: { redis: Redis; keys: RedisKeys; clock: Clock; retentionSeconds: number; leaseMs: number }) {
  const { redis, keys, clock, retentionSeconds } = options;
  const begin = loadScript(redis, 'delivery-begin', 1);
  const update = loadScript(redis, 'delivery-update', 1);
  const iso = () => new Date(clock.now()).toISOString();

  return {
    /** Takes the send lease unless the delivery was sent already or another worker is sending it. */
    async begin(ref: DeliveryRef, provider: string): Promise<BeginVerdict> {
      const base = JSON.stringify({ recipientId: ref.recipientId, channel: ref.channel, provider });
      const [verdict, attempts] = (await begin([keys.deliveries(ref.eventId)], [field(ref), clock.now(), options.leaseMs, base, retentionSeconds, iso()])) as [
        BeginVerdict['verdict'],
        number,
      ];
      return { verdict, attempts: Number(attempts) };
    },

    /** Sets the status (and details) of a delivery; returns false when it was already `sent`. */
    async set(ref: DeliveryRef, status: DeliveryStatus, details: Partial<Omit<DeliveryRecord, 'status' | 'updatedAt'>> = {}): Promise<boolean> {
      const patch = { recipientId: ref.recipientId, channel: ref.channel, ...details, status, updatedAt: iso() };
      return (await update([keys.deliveries(ref.eventId)], [field(ref), JSON.stringify(patch), retentionSeconds])) === 1;
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
      for (const r of records) delete r.leaseUntil;
      return { id: eventId, meta: hasMeta ? meta : null, deliveries: records };
    },
  };
}

/** The delivery store, as returned by {@link createDeliveryStore}. */
export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
