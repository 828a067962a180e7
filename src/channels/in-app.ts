import { systemClock, type Clock } from '../shared/clock';
import { type HeraldError, PermanentError, RetriableError } from '../shared/errors';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import type { ChannelProvider } from './types';

/** One entry of a user's in-app inbox, as stored in Redis and returned by {@link readInbox}. */
export interface InboxEntry {
  /** The delivery id; pushing the same delivery again is a no-op. */
  id: string;
  eventId: string;
  type: string;
  priority: string;
  title: string;
  text: string;
  payload: Record<string, unknown>;
  /** The event's `createdAt` (ISO, UTC). */
  createdAt: string;
  read: boolean;
}

/** Settings of the in-app provider. */
export interface InAppOptions {
  redis: RedisClient;
  keys: RedisKeys;
  /** Entries kept per user, oldest dropped first (`channels.in_app.inboxCap`). */
  inboxCap: number;
  /** How long a delivery id is remembered against a second push, in ms. Default 7 days. */
  idRetentionMs?: number;
  /** Default: the wall clock. */
  clock?: Clock;
}

// Replies that mean "busy or failing over, ask again" rather than a bad command.
const TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|OOM|NOREPLICAS)\b/;

function mapRedisError(error: unknown): HeraldError {
  const err = error as Error;
  if (err?.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) {
    return new PermanentError(
      `Redis refused the inbox write (${err.message}); this is a bug or a wrong key type, not worth retrying`,
      'in_app_store_error',
      error,
    );
  }
  return new RetriableError(
    `Cannot write the in-app inbox (${err?.message ?? String(error)}); check REDIS_URL and that Redis is up, it will be retried`,
    'in_app_store_unavailable',
    error,
  );
}

/**
 * In-app notifications (id `in-app`): each delivery becomes an entry at the head of the
 * user's Redis inbox list (`to` holds the user id), trimmed to the cap, at most once per
 * delivery id (script `src/redis/scripts/inbox-push.lua`).
 */
export function createInAppProvider(options: InAppOptions): ChannelProvider {
  const push = loadScript(options.redis, 'inbox-push', 2);
  const clock = options.clock ?? systemClock;
  const retentionMs = options.idRetentionMs ?? 7 * 24 * 3600 * 1000;

  return {
    id: 'in-app',
    channel: 'in_app',
    async send(message) {
      if (message.to.length === 0)
        throw new PermanentError('In-app delivery has no user id in `to`; the dispatcher must pass the recipient user id', 'no_recipient');
      const entry: InboxEntry = {
        id: message.deliveryId,
        eventId: message.eventId,
        type: message.meta.type,
        priority: message.meta.priority,
        title: message.content.title,
        text: message.content.text,
        payload: message.meta.payload,
        createdAt: message.meta.createdAt,
        read: false,
      };
      const json = JSON.stringify(entry);
      try {
        for (const userId of message.to) {
          const keys = [options.keys.inbox(userId), options.keys.inboxDelivered(userId)];
          await push(keys, [message.deliveryId, json, options.inboxCap, clock.now(), retentionMs]);
        }
      } catch (error) {
        throw mapRedisError(error);
      }
      // The inbox is the receiver: once written, the item is delivered (the user reads it over the API).
      return { providerMessageId: message.deliveryId, delivered: true };
    },
  };
}

/** The newest `limit` entries of a user's inbox, newest first. */
export async function readInbox(redis: RedisClient, keys: RedisKeys, userId: string, limit = 50): Promise<InboxEntry[]> {
  if (limit <= 0) return [];
  const raw = await redis.lrange(keys.inbox(userId), 0, limit - 1);
  return raw.map((item) => JSON.parse(item) as InboxEntry);
}
