import { createInAppProvider, readInbox } from '../../../src/channels/in-app';
import type { Clock } from '../../../src/shared/clock';
import { PermanentError } from '../../../src/shared/errors';
import { createKeys } from '../../../src/redis/keys';
import { testRedis, uniqueName } from '../../support/infra';
import { outbound } from './support';

describe('in-app provider', () => {
  let env: ReturnType<typeof testRedis>;
  beforeEach(() => {
    env = testRedis();
  });
  afterEach(async () => {
    await env.cleanup();
  });

  const setup = (inboxCap = 100, clock?: Clock) => {
    const keys = createKeys(env.prefix);
    return { keys, provider: createInAppProvider({ redis: env.redis, keys, inboxCap, clock, idRetentionMs: 60_000 }) };
  };

  it('stores an unread entry with event data at the head of the inbox', async () => {
    const { keys, provider } = setup();
    const userId = uniqueName('user');
    const message = outbound('in_app', [userId]);
    const result = await provider.send(message);

    expect(provider.id).toBe('in-app');
    expect(result.providerMessageId).toBe(message.deliveryId);
    expect(await readInbox(env.redis, keys, userId, 10)).toEqual([
      {
        id: message.deliveryId,
        eventId: message.eventId,
        type: 'alert',
        priority: 'high',
        title: 'Disk full',
        text: 'Free some space & retry',
        payload: { host: 'db-1' },
        createdAt: '2026-03-01T10:00:00.000Z',
        read: false,
      },
    ]);
  });

  it('returns entries newest first and honours the limit', async () => {
    const { keys, provider } = setup();
    const userId = uniqueName('user');
    const sent = [outbound('in_app', [userId]), outbound('in_app', [userId]), outbound('in_app', [userId])];
    for (const m of sent) await provider.send(m);

    expect((await readInbox(env.redis, keys, userId, 10)).map((e) => e.id)).toEqual(sent.map((m) => m.deliveryId).reverse());
    expect((await readInbox(env.redis, keys, userId, 2)).map((e) => e.id)).toEqual([sent[2]!.deliveryId, sent[1]!.deliveryId]);
    expect(await readInbox(env.redis, keys, userId, 0)).toEqual([]);
  });

  it('drops the oldest entries beyond the cap', async () => {
    const { keys, provider } = setup(3);
    const userId = uniqueName('user');
    const sent = Array.from({ length: 5 }, () => outbound('in_app', [userId]));
    for (const m of sent) await provider.send(m);

    const inbox = await readInbox(env.redis, keys, userId, 100);
    expect(inbox.map((e) => e.id)).toEqual([sent[4]!.deliveryId, sent[3]!.deliveryId, sent[2]!.deliveryId]);
  });

  it('adds a delivery once however often it is sent, even after the cap dropped it', async () => {
    const { keys, provider } = setup(2);
    const userId = uniqueName('user');
    const first = outbound('in_app', [userId]);
    await provider.send(first);
    await provider.send(first);
    expect(await env.redis.llen(keys.inbox(userId))).toBe(1);

    await provider.send(outbound('in_app', [userId]));
    await provider.send(outbound('in_app', [userId]));
    await provider.send(first);
    expect((await readInbox(env.redis, keys, userId, 10)).map((e) => e.id)).not.toContain(first.deliveryId);
  });

  it('forgets delivery ids after the retention and expires the id set', async () => {
    let now = 1_000_000;
    const { keys, provider } = setup(10, { now: () => now });
    const userId = uniqueName('user');
    const old = outbound('in_app', [userId]);
    await provider.send(old);
    now += 120_000;
    await provider.send(outbound('in_app', [userId]));

    expect(await env.redis.zscore(keys.inboxDelivered(userId), old.deliveryId)).toBeNull();
    const ttl = await env.redis.pttl(keys.inboxDelivered(userId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('rejects a message without a user id as a PermanentError', async () => {
    const { provider } = setup();
    const error = await provider.send(outbound('in_app', [])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('no_recipient');
  });
});
