import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/keys';
import { userProfileSchema, type UserProfile } from './user-profile';

/** Users and their addresses and preferences, stored as JSON in Redis (written by `PUT /api/users/:id`). */
export function createUserDirectory(options: { redis: Redis; keys: RedisKeys }) {
  const { redis, keys } = options;
  return {
    /** The stored profile, or null for an unknown user. */
    async get(userId: string): Promise<UserProfile | null> {
      const raw = await redis.get(keys.user(userId));
      if (raw === null) return null;
      // Re-parse so profiles written by an older release get today's defaults.
      return userProfileSchema.parse(JSON.parse(raw));
    },
    /** Replaces the profile (validated by the caller with userProfileSchema). */
    async put(userId: string, profile: UserProfile): Promise<void> {
      await redis.set(keys.user(userId), JSON.stringify(profile));
    },
  };
}

/** The user directory, as returned by {@link createUserDirectory}. */
export type UserDirectory = ReturnType<typeof createUserDirectory>;
