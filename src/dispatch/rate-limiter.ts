import type { HeraldConfig, RateLimitConfig } from '../config/schema';
import type { Channel } from '../contract/vocabulary';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import { sleep } from '../shared/sleep';

/** A token was taken after waiting `waitedMs`, or none could be within the allowed wait: try again in `retryInMs`. */
export type Permit = { granted: true; waitedMs: number } | { granted: false; retryInMs: number };

/** Tokens per second and bucket size of one limit; the burst defaults to one second's worth (at least 1). */
export function bucketOf(limit: RateLimitConfig): { rate: number; burst: number } {
  const rate = limit.perSecond ?? (limit.perMinute ?? 60) / 60;
  return { rate, burst: limit.burst ?? Math.max(1, Math.ceil(rate)) };
}

/** One wait for a token, reported to {@link RateLimiterOptions.observe}. */
export interface RateWait {
  channel: Channel;
  provider: string;
  /** `granted_after_wait`: a token came within the allowed wait; `deferred`: none would, the caller defers the delivery. */
  outcome: 'granted_after_wait' | 'deferred';
  /** Time spent waiting before the outcome, in ms (0 for a deferral decided at once). */
  waitedMs: number;
}

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  redis: RedisClient;
  keys: RedisKeys;
  channels: HeraldConfig['channels'];
  /** Sleeps between tries for a token. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Called for each acquire that found the bucket empty (metrics); never for one granted at once or a channel without a limit. */
  observe?: (wait: RateWait) => void;
  /** How long one read of a provider's pause answers the calls that follow, in ms. Default 100. */
  pauseReadTtlMs?: number;
}

/**
 * Provider rate limits shared by every worker in the group: one Redis token bucket per channel and
 * provider (`channels.<ch>.providerRateLimits.<provider>`, else `channels.<ch>.rateLimit`), and a
 * shared pause a provider imposes with 429 + Retry-After. Waiting in line for a token is bounded
 * by `maxWaitMs`: past it the caller defers the delivery instead of holding its partition.
 */
export function createRateLimiter(options: RateLimiterOptions) {
  const take = loadScript(options.redis, 'rate-limit-take', 1);
  const pause = options.sleep ?? sleep;
  const { redis, keys } = options;
  const pauseReadTtlMs = options.pauseReadTtlMs ?? 100;
  // Every send asks whether its provider is paused; under load, hundreds a second ask the same.
  // One GET answers them for pauseReadTtlMs: a pause another worker sets (a 429's Retry-After,
  // seconds long) is seen at most that much later, and this worker's own at once.
  const pauseReads = new Map<string, { at: number; until: Promise<number> }>();

  return {
    /** Takes a token for one call, waiting at most `maxWaitMs` in all. Channels without a limit pass at once. */
    async acquire(channel: Channel, provider: string, maxWaitMs: number): Promise<Permit> {
      const settings = options.channels[channel];
      const limit = settings.providerRateLimits[provider] ?? settings.rateLimit;
      if (!limit) return { granted: true, waitedMs: 0 };
      const { rate, burst } = bucketOf(limit);
      let waited = 0;
      for (;;) {
        const wait = Number(await take([keys.rateLimit(channel, provider)], [rate, burst]));
        if (wait === 0) {
          if (waited > 0) options.observe?.({ channel, provider, outcome: 'granted_after_wait', waitedMs: waited });
          return { granted: true, waitedMs: waited };
        }
        if (waited + wait > maxWaitMs) {
          options.observe?.({ channel, provider, outcome: 'deferred', waitedMs: waited });
          return { granted: false, retryInMs: wait };
        }
        await pause(wait);
        waited += wait;
      }
    },

    /** Stops every worker calling this provider until `until` (epoch ms), as its 429 asked. A shorter pause never shortens a longer one. */
    async pauseUntil(channel: Channel, provider: string, until: number, now: number): Promise<void> {
      const key = keys.providerPause(channel, provider);
      const current = Number((await redis.get(key)) ?? 0);
      if (until <= current || until <= now) return;
      await redis.set(key, String(until), 'PX', until - now);
      pauseReads.delete(key);
    },

    /** Epoch ms until which the provider is paused, or 0. */
    pausedUntil(channel: Channel, provider: string): Promise<number> {
      const key = keys.providerPause(channel, provider);
      const now = performance.now();
      const read = pauseReads.get(key);
      if (read && now - read.at < pauseReadTtlMs) return read.until;
      const until = redis.get(key).then((value) => Number(value ?? 0));
      const entry = { at: now, until };
      pauseReads.set(key, entry);
      // A failed read answers the calls that shared it, and the next call reads again.
      until.catch(() => pauseReads.get(key) === entry && pauseReads.delete(key));
      return until;
    },
  };
}

/** The rate limiter, as returned by {@link createRateLimiter}. */
export type RateLimiter = ReturnType<typeof createRateLimiter>;
