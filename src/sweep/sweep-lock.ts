import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';

/** A held lock: its fencing token (higher than every earlier holder's) and who took it. */
export interface HeldLock {
  token: number;
  owner: string;
}

/** Options of {@link createSweepLock}. */
export interface SweepLockOptions {
  redis: RedisClient;
  keys: RedisKeys;
  /** Which lock (`sweep`): one key and one token counter per name. */
  name: string;
  /** How long a holder keeps it without renewing, ms; a holder that dies frees it after this. */
  ttlMs: number;
}

/**
 * A named lock in Redis that elects one worker at a time (for the verification sweep). Every
 * acquisition gets a fencing token from a counter that never goes back, and renew/release act only
 * while the caller's token is the stored one: a holder that stalled past its TTL, while another
 * took the lock, can neither extend nor drop the new holder's.
 */
export function createSweepLock(options: SweepLockOptions) {
  const { redis, keys, name, ttlMs } = options;
  const take = loadScript(redis, 'sweep-lock-acquire', 2);
  const extend = loadScript(redis, 'sweep-lock-renew', 1);
  const drop = loadScript(redis, 'sweep-lock-release', 1);

  return {
    /** Takes the lock for `owner`, or null while another holds it. */
    async acquire(owner: string): Promise<HeldLock | null> {
      const token = (await take([keys.lock(name), keys.lockToken(name)], [owner, ttlMs])) as number | null;
      return token === null ? null : { token: Number(token), owner };
    },

    /** Extends the lock for another TTL; false when it expired and may be another's now (stop working under it). */
    async renew(lock: HeldLock): Promise<boolean> {
      return (await extend([keys.lock(name)], [lock.token, ttlMs])) === 1;
    },

    /** Drops the lock; false (and nothing done) when it is no longer this holder's. */
    async release(lock: HeldLock): Promise<boolean> {
      return (await drop([keys.lock(name)], [lock.token])) === 1;
    },

    /** Who holds the lock now, for logs and tests; null when free. */
    async holder(): Promise<HeldLock | null> {
      const held = await redis.get(keys.lock(name));
      if (held === null) return null;
      const bar = held.indexOf('|');
      return { token: Number(held.slice(0, bar)), owner: held.slice(bar + 1) };
    },
  };
}

/** A lock, as returned by {@link createSweepLock}. */
export type SweepLock = ReturnType<typeof createSweepLock>;
