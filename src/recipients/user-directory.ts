import { RetriableError } from '../shared/errors';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import { storedProfileSchema, type UserProfile } from './user-profile';

/** Compare-and-set rounds {@link UserDirectory.removePushTokens} tries before giving up on a busy profile. */
const MAX_REPLACE_ATTEMPTS = 10;

/**
 * A stored profile, re-parsed so profiles written by an older release get today's defaults.
 * A locale an older release accepted but today's schema refuses (longer than 100 characters,
 * issue 15) falls back to the default: refusing the whole profile would fail every event for
 * the user, and the partition would wait on it.
 */
function readProfile(raw: string): UserProfile {
  const stored = JSON.parse(raw) as Record<string, unknown>;
  // The stored form: today's fields without the size limits on lists written since (PROFILE_LIMITS).
  const parsed = storedProfileSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  if (parsed.error.issues.every((issue) => issue.path[0] === 'locale')) return storedProfileSchema.parse({ ...stored, locale: undefined });
  throw parsed.error;
}

/** Users and their addresses and preferences, stored as JSON in Redis (written by `PUT /api/users/:id`). */
export function createUserDirectory(options: { redis: RedisClient; keys: RedisKeys }) {
  const { redis, keys } = options;
  const replace = loadScript(redis, 'profile-replace', 1);
  return {
    /** The stored profile, or null for an unknown user. */
    async get(userId: string): Promise<UserProfile | null> {
      const raw = await redis.get(keys.user(userId));
      if (raw === null) return null;
      return readProfile(raw);
    },
    /** Replaces the profile (validated by the caller with userProfileSchema). */
    async put(userId: string, profile: UserProfile): Promise<void> {
      await redis.set(keys.user(userId), JSON.stringify(profile));
    },
    /**
     * Removes `tokens` from the user's `pushTokens` (tokens FCM reported unregistered), leaving
     * every other field as stored. A no-op for an unknown user or tokens the profile lacks.
     * Atomic against concurrent edits: read, edit in TypeScript, then compare-and-set; a lost race
     * reads again, so two removals of different tokens both land.
     */
    async removePushTokens(userId: string, tokens: readonly string[]): Promise<void> {
      const drop = new Set(tokens);
      if (drop.size === 0) return;
      const key = keys.user(userId);
      for (let attempt = 1; attempt <= MAX_REPLACE_ATTEMPTS; attempt++) {
        const raw = await redis.get(key);
        if (raw === null) return;
        // Edit the stored JSON, not a schema-parsed copy: parsing would write today's defaults back.
        const stored = JSON.parse(raw) as { pushTokens?: unknown };
        if (!Array.isArray(stored.pushTokens)) return;
        const kept = stored.pushTokens.filter((token) => !drop.has(token as string));
        if (kept.length === stored.pushTokens.length) return;
        if ((await replace([key], [raw, JSON.stringify({ ...stored, pushTokens: kept })])) === 1) return;
        // Someone changed the profile in between: back off a little, jittered, and read it again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
      throw new RetriableError(
        `Could not remove push tokens from user ${userId}: the profile kept changing during ${MAX_REPLACE_ATTEMPTS} attempts; the tokens will be pruned ` +
          `the next time FCM reports them`,
        'profile_busy',
      );
    },
  };
}

/** The user directory, as returned by {@link createUserDirectory}. */
export type UserDirectory = ReturnType<typeof createUserDirectory>;
