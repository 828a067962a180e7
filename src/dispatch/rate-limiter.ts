import type { Redis } from 'ioredis';
import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/event-v1';
import { loadScript } from '../redis/commands';
import { sleep } from './retry';
import type { RedisKeys } from '../redis/keys';

/** Waits for permission to call a provider. */
export type AcquireFn = (channel: Channel, provider: string) => Promise<number>;

/**
 * Per channel and provider rate limits from config (`channels.<ch>.rateLimit`), shared by every
 * worker through one Redis token bucket each. `acquire` resolves when a token is taken, with the
 * milliseconds it waited; channels without a limit pass at once. A wait is never longer than one
 * token's refill time, so one busy channel slows only itself.
 */
export function createRateLimiter(options: { redis: Redis; keys: RedisKeys; channels: HeraldConfig['channels']; sleep?: (ms: number) => Promise<void> }): AcquireFn {
  const take = loadScript(options.redis, 'rate-limit-take', 1);
  const pause = options.sleep ?? sleep;
  return async function acquire(channel, provider) {
    const limit = options.channels[channel].rateLimit;
    if (!limit) return 0;
    const burst = limit.burst ?? Math.max(1, Math.ceil(limit.perSecond));
    let waited = 0;
    for (;;) {
      const wait = Number(await take([options.keys.rateLimit(channel, provider)], [limit.perSecond, burst]));
      if (wait === 0) return waited;
      await pause(wait);
      waited += wait;
    }
  };
}
