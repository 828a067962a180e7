import type { RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import type { DeliveryRef } from './delivery-ref';

/**
 * Which delivery a provider's message id belongs to (a Twilio SID), kept as long as the delivery's
 * record, so a status callback that names only the message finds the delivery it reports on.
 */
export function createProviderMessages(options: { redis: RedisClient; keys: RedisKeys; retentionSeconds: number }) {
  const { redis, keys, retentionSeconds } = options;
  return {
    /** Remembers the delivery of `messageId`. */
    async remember(provider: string, messageId: string, ref: DeliveryRef): Promise<void> {
      await redis.set(keys.providerMessage(provider, messageId), JSON.stringify(ref), 'EX', retentionSeconds);
    },
    /** The delivery of `messageId`, or null when herald never sent it (or forgot it). */
    async lookup(provider: string, messageId: string): Promise<DeliveryRef | null> {
      const raw = await redis.get(keys.providerMessage(provider, messageId));
      return raw ? (JSON.parse(raw) as DeliveryRef) : null;
    },
  };
}
