import type { EventV2 } from '../contract/event-v2';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';

/**
 * An event's summary in Redis (a hash per event, written once at intake: type, priority, times,
 * counts) and the event itself in its field `event`, kept `deliveryState.retentionSeconds` for the
 * verification sweep and `herald dlq replay`, which rebuild a delivery from it. Never shown whole:
 * `GET /api/notifications/:id` picks its allowed fields (src/http/notification-view.ts).
 */
export function createEventMeta(options: { redis: RedisClient; keys: RedisKeys; retentionSeconds: number }) {
  const { redis, keys, retentionSeconds } = options;
  const recordMeta = loadScript(redis, 'meta-record', 1);
  return {
    /** Records the event's summary once (first write wins, so a redelivery keeps the original receivedAt). */
    async record(eventId: string, meta: Record<string, string>): Promise<void> {
      await recordMeta([keys.notificationMeta(eventId)], [retentionSeconds, ...Object.entries(meta).flat()]);
    },

    /** Every field of the summary; empty once it expired or for an event herald never saw. */
    async read(eventId: string): Promise<Record<string, string>> {
      return redis.hgetall(keys.notificationMeta(eventId));
    },

    /** The event as intake stored it; null once the summary expired or for an event stored without it. */
    async eventOf(eventId: string): Promise<EventV2 | null> {
      const raw = await redis.hget(keys.notificationMeta(eventId), 'event');
      if (raw === null) return null;
      try {
        return JSON.parse(raw) as EventV2;
      } catch (error) {
        throw new Error(
          `the stored JSON of event ${eventId} does not parse (${String(error)}); intake stores it with JSON.stringify, so look for another writer of ` +
            `${keys.notificationMeta(eventId)}`,
          { cause: error },
        );
      }
    },
  };
}

/** The event summaries, as returned by {@link createEventMeta}. */
export type EventMeta = ReturnType<typeof createEventMeta>;
