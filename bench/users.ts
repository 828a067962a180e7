import type { Redis } from 'ioredis';
import type { RedisKeys } from '../src/redis/keys';
import { userProfileSchema } from '../src/recipients/user-profile';

/** Ids of `count` bench users named `<label><i>`. */
export function userIds(label: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${label}${i}`);
}

/**
 * Stores a profile per user in the service's user directory, exactly as `PUT /api/users/:id` would
 * (validated by the same schema, stored as JSON under keys.user), in pipelined batches.
 */
export async function seedUsers(redis: Redis, keys: RedisKeys, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const id of ids.slice(i, i + 500)) {
      const profile = userProfileSchema.parse({ email: `${id}@bench.example.com`, locale: 'en', timeZone: 'UTC' });
      pipeline.set(keys.user(id), JSON.stringify(profile));
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }
}
