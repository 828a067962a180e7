import { createKeys } from '../../../src/redis/keys';
import { isResolved, resolveRecipient, type ResolvedRecipient, type UnresolvedRecipient } from '../../../src/recipients/resolve-recipient';
import { createUserDirectory, type UserDirectory } from '../../../src/recipients/user-directory';
import { userProfileSchema } from '../../../src/recipients/user-profile';
import { testRedis } from '../../support/infra';

function resolved(r: ResolvedRecipient | UnresolvedRecipient): ResolvedRecipient {
  if (!isResolved(r)) throw new Error(`expected a resolved recipient, got ${r.reason}: ${r.detail}`);
  return r;
}

describe('resolveRecipient with the user directory on real Redis', () => {
  let infra: ReturnType<typeof testRedis>;
  let directory: UserDirectory;

  beforeEach(() => {
    infra = testRedis();
    directory = createUserDirectory({ redis: infra.redis, keys: createKeys(infra.prefix) });
  });
  afterEach(() => infra.cleanup());

  it('resolves a stored user with an address list per channel, in_app being the user id', async () => {
    const profile = userProfileSchema.parse({ email: 'ada@example.com', phone: '+14155550100', pushTokens: ['t1', 't2'], locale: 'fr-CA' });
    await directory.put('ada', profile);
    const r = resolved(await resolveRecipient('ada', directory));
    expect(r).toEqual({
      recipientId: 'ada',
      kind: 'user',
      source: 'ada',
      profile,
      addresses: { email: ['ada@example.com'], sms: ['+14155550100'], push: ['t1', 't2'], in_app: ['ada'], webhook: [] },
      locale: 'fr-CA',
    });
  });

  it('takes webhook URLs from config only: per-user URLs, and partner endpoints by name', async () => {
    await directory.put('ada', userProfileSchema.parse({ email: 'ada@example.com' }));
    const webhooks = { endpoints: { acme: 'https://acme.example/hooks' }, users: { ada: 'https://ada.example/inbox' } };
    expect(resolved(await resolveRecipient('ada', directory, webhooks)).addresses.webhook).toEqual(['https://ada.example/inbox']);
    expect(await resolveRecipient('webhook:acme', directory, webhooks)).toMatchObject({
      recipientId: 'webhook:acme',
      kind: 'direct',
      addresses: { webhook: ['https://acme.example/hooks'] },
    });
    expect(await resolveRecipient('webhook:https://evil.example/', directory, webhooks)).toMatchObject({
      reason: 'invalid_address',
      detail: expect.stringContaining('channels.webhook.endpoints'),
    });
    expect(await resolveRecipient('webhook:toString', directory, webhooks)).toMatchObject({ reason: 'invalid_address' });
  });

  it('gives a user without addresses empty lists, and fills profile defaults on read', async () => {
    await infra.redis.set(createKeys(infra.prefix).user('bob'), JSON.stringify({}));
    const r = resolved(await resolveRecipient('bob', directory));
    expect(r.addresses).toEqual({ email: [], sms: [], push: [], in_app: ['bob'], webhook: [] });
    expect(r.locale).toBe('en');
    expect(r.profile?.preferences).toEqual({ channels: {}, types: {}, categories: {} });
  });

  it('reports an unknown user with the API call that creates it', async () => {
    const r = await resolveRecipient('ghost', directory);
    expect(isResolved(r)).toBe(false);
    expect(r).toEqual({ recipientId: 'ghost', reason: 'unknown_user', detail: expect.stringContaining('PUT /api/users/ghost') });
  });

  it.each([
    ['email:ada@example.com', 'email', 'ada@example.com'],
    ['phone:+14155550100', 'sms', '+14155550100'],
    ['push:fcm-token-123', 'push', 'fcm-token-123'],
  ] as const)('resolves the direct address %s to its own channel only', async (recipient, channel, address) => {
    const r = resolved(await resolveRecipient(recipient, directory));
    expect(r).toMatchObject({ kind: 'direct', source: recipient, profile: null, locale: 'en', addresses: { [channel]: [address] } });
    expect(Object.keys(r.addresses)).toEqual([channel]);
    expect(r.recipientId).toMatch(/^direct:[0-9a-f]{16}$/);
    expect(r.recipientId).not.toContain(address);
  });

  it('gives a direct address a stable id that differs between addresses and never touches the directory', async () => {
    const a1 = resolved(await resolveRecipient('email:ada@example.com', directory)).recipientId;
    const a2 = resolved(await resolveRecipient('email:ada@example.com', directory)).recipientId;
    const b = resolved(await resolveRecipient('email:bob@example.com', directory)).recipientId;
    expect(a1).toBe(a2);
    expect(b).not.toBe(a1);
    expect(await infra.redis.keys(`${infra.prefix}:*`)).toEqual([]);
  });

  it.each([
    ['email:not-an-address', 'email'],
    ['phone:0612345678', 'phone'],
    ['phone:+1 415 555 0100', 'phone'],
    ['push:   ', 'push'],
  ])('reports the invalid direct address %s as invalid_address without echoing it', async (recipient, scheme) => {
    const r = await resolveRecipient(recipient, directory);
    expect(isResolved(r)).toBe(false);
    expect(r).toEqual({
      recipientId: expect.stringMatching(/^direct:[0-9a-f]{16}$/),
      reason: 'invalid_address',
      detail: `the ${scheme} address after "${scheme}:" is not valid`,
    });
  });
});
