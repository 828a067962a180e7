import { createKeys } from '../../../src/redis/keys';
import { createUserDirectory } from '../../../src/recipients/user-directory';
import { testRedis } from '../../support/infra';

/**
 * Issue 15, finding 3: releases before the 100-character locale limit stored whatever locale
 * `PUT /api/users/:id` was given. Reading such a profile must not fail every event for the user.
 */
describe('user directory: profiles stored before the locale limit', () => {
  let infra: ReturnType<typeof testRedis>;
  beforeEach(() => {
    infra = testRedis();
  });
  afterEach(() => infra.cleanup());

  it('reads a profile whose stored locale is 100 KB with the default locale, the rest as stored', async () => {
    const keys = createKeys(infra.prefix);
    await infra.redis.set(keys.user('legacy'), JSON.stringify({ email: 'ada@example.com', locale: `en${'-ab'.repeat(34_000)}`, timeZone: 'Europe/Paris' }));
    const directory = createUserDirectory({ redis: infra.redis, keys });

    expect(await directory.get('legacy')).toMatchObject({ email: 'ada@example.com', locale: 'en', timeZone: 'Europe/Paris' });
  });

  it('still refuses a stored profile that is wrong elsewhere', async () => {
    const keys = createKeys(infra.prefix);
    await infra.redis.set(keys.user('broken'), JSON.stringify({ phone: '555', locale: `en${'-ab'.repeat(34_000)}` }));
    const directory = createUserDirectory({ redis: infra.redis, keys });

    await expect(directory.get('broken')).rejects.toThrow('E.164');
  });
});
