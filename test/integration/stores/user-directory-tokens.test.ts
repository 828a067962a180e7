import { Redis } from 'ioredis';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import { createUserDirectory, type UserDirectory } from '../../../src/recipients/user-directory';
import { userProfileSchema } from '../../../src/recipients/user-profile';
import { TEST_REDIS_URL, testRedis } from '../../support/infra';

const tokens = (n: number) => Array.from({ length: n }, (_, i) => `tok-${i}-${'x'.repeat(40)}`);

describe('user directory: removePushTokens on real Redis', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let directory: UserDirectory;

  beforeEach(() => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    directory = createUserDirectory({ redis: infra.redis, keys });
  });
  afterEach(() => infra.cleanup());

  it('removes only the given tokens and leaves every other stored field exactly as it was', async () => {
    const profile = userProfileSchema.parse({
      email: 'ada@example.com',
      phone: '+14155550100',
      pushTokens: ['keep-1', 'drop-1', 'keep-2', 'drop-2'],
      locale: 'fr-CA',
      timeZone: 'Europe/Paris',
      quietHours: { start: '22:00', end: '07:00' },
      preferences: { channels: { sms: false }, types: { marketing: false }, categories: { billing: true } },
    });
    await directory.put('ada', profile);

    await directory.removePushTokens('ada', ['drop-1', 'drop-2', 'never-registered']);

    const stored = JSON.parse((await infra.redis.get(keys.user('ada')))!);
    expect(stored).toEqual({ ...profile, pushTokens: ['keep-1', 'keep-2'] });
    expect(await directory.get('ada')).toEqual({ ...profile, pushTokens: ['keep-1', 'keep-2'] });
  });

  it('does not add defaults to a profile stored without them (edits the stored JSON, not a parsed copy)', async () => {
    await infra.redis.set(keys.user('old'), JSON.stringify({ email: 'old@example.com', pushTokens: ['a', 'b'] }));
    await directory.removePushTokens('old', ['a']);
    expect(await infra.redis.get(keys.user('old'))).toBe(JSON.stringify({ email: 'old@example.com', pushTokens: ['b'] }));
  });

  it('leaves an empty array (not {}) when the last token goes, and the profile still parses', async () => {
    await directory.put('solo', userProfileSchema.parse({ pushTokens: ['only'] }));
    await directory.removePushTokens('solo', ['only']);
    expect(JSON.parse((await infra.redis.get(keys.user('solo')))!).pushTokens).toEqual([]);
    expect((await directory.get('solo'))?.pushTokens).toEqual([]);
  });

  it('is a no-op for an unknown user (creates nothing) and for tokens the profile lacks (writes nothing)', async () => {
    await directory.removePushTokens('ghost', ['a']);
    expect(await infra.redis.exists(keys.user('ghost'))).toBe(0);

    await infra.redis.set(keys.user('ada'), JSON.stringify({ pushTokens: ['a'] }), 'EX', 3600);
    const before = await infra.redis.get(keys.user('ada'));
    await directory.removePushTokens('ada', ['b']);
    await directory.removePushTokens('ada', []);
    expect(await infra.redis.get(keys.user('ada'))).toBe(before);
  });

  it('keeps the key TTL of a profile that has one', async () => {
    await infra.redis.set(keys.user('ttl'), JSON.stringify({ pushTokens: ['a', 'b'] }), 'EX', 3600);
    await directory.removePushTokens('ttl', ['a']);
    expect(await infra.redis.ttl(keys.user('ttl'))).toBeGreaterThan(3500);
  });

  it('lands every one of many concurrent removals of different tokens, from one and from several connections', async () => {
    const all = tokens(20);
    await directory.put('busy', userProfileSchema.parse({ email: 'busy@example.com', pushTokens: all }));
    // Two more connections stand in for other herald workers pruning the same user at the same time.
    const others = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
    try {
      const directories = [directory, ...others.map((redis) => createUserDirectory({ redis, keys }))];
      const removed = all.slice(0, 15);
      await Promise.all(removed.map((token, i) => directories[i % directories.length]!.removePushTokens('busy', [token])));

      const profile = await directory.get('busy');
      expect(profile?.pushTokens).toEqual(all.slice(15));
      expect(profile?.email).toBe('busy@example.com');
    } finally {
      others.forEach((redis) => redis.disconnect());
    }
  });

  it('does not undo a concurrent profile update made between its read and its write', async () => {
    await directory.put('racer', userProfileSchema.parse({ pushTokens: ['a', 'b'] }));
    // The update and the removal race on one connection: both read before either writes.
    await Promise.all([
      directory.removePushTokens('racer', ['a']),
      infra.redis.set(keys.user('racer'), JSON.stringify(userProfileSchema.parse({ email: 'new@example.com', pushTokens: ['a', 'b', 'c'] }))),
    ]);
    const profile = await directory.get('racer');
    expect(profile?.email).toBe('new@example.com');
    expect(profile?.pushTokens).toEqual(['b', 'c']);
  });
});
