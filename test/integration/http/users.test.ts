import { Redis } from 'ioredis';
import { LIMITS } from '../../../src/contract/limits';
import { PROFILE_LIMITS } from '../../../src/recipients/user-profile';
import { createKeys } from '../../../src/redis/keys';
import { TEST_REDIS_URL, testRedis } from '../../support/infra';
import { redisPorts, startHttp } from './http-harness';

describe('users, inbox and notifications', () => {
  let redis: ReturnType<typeof testRedis>;
  let http: Awaited<ReturnType<typeof startHttp>>;
  let keys: ReturnType<typeof createKeys>;

  beforeAll(async () => {
    redis = testRedis();
    keys = createKeys(redis.prefix);
    http = await startHttp({ ...redisPorts(redis.redis, redis.prefix) });
  });
  afterAll(async () => {
    await http?.close();
    await redis?.cleanup();
  });

  it('stores a profile with PUT, fills defaults, and returns it with GET', async () => {
    const put = await http.request('/api/users/user_1', { method: 'PUT', json: { email: 'ada@example.com', phone: '+14155550100' } });

    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: 'user_1', profile: { email: 'ada@example.com', locale: 'en', timeZone: 'UTC', pushTokens: [] } });
    const get = await http.request('/api/users/user_1');
    expect(get.status).toBe(200);
    expect(get.body).toEqual(put.body);
  });

  it('answers 400 invalid_profile naming the field for a bad phone number, and stores nothing', async () => {
    const res = await http.request('/api/users/user_2', { method: 'PUT', json: { phone: '555-0100' } });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_profile', issues: [{ path: 'phone', message: expect.stringContaining('E.164') }] });
    expect(await redis.redis.exists(keys.user('user_2'))).toBe(0);
  });

  it('answers 400 naming preferences.categories and its limit for a profile with too many categories (25,000 or one over), and stores nothing', async () => {
    const categories = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, false]));
    for (const n of [25_000, PROFILE_LIMITS.maxCategories + 1]) {
      const res = await http.request('/api/users/user_many', {
        method: 'PUT',
        json: { email: 'many@example.com', preferences: { categories: categories(n) } },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: 'invalid_profile',
        issues: [
          {
            path: 'preferences.categories',
            message:
              `preferences.categories holds ${n} categories, more than the limit of ${PROFILE_LIMITS.maxCategories}; keep ` + `only the opt-outs the user set`,
          },
        ],
      });
      expect(await redis.redis.exists(keys.user('user_many'))).toBe(0);
    }
    const atLimit = await http.request('/api/users/user_many', {
      method: 'PUT',
      json: { preferences: { categories: categories(PROFILE_LIMITS.maxCategories) } },
    });
    expect(atLimit.status).toBe(200);
  });

  it('answers 400 naming pushTokens and its limit for a profile with too many push tokens', async () => {
    const res = await http.request('/api/users/user_tokens', {
      method: 'PUT',
      json: { pushTokens: Array.from({ length: PROFILE_LIMITS.maxPushTokens + 1 }, (_, i) => `token-${i}`) },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'invalid_profile',
      issues: [{ path: 'pushTokens', message: `at most ${PROFILE_LIMITS.maxPushTokens} push tokens per user` }],
    });
  });

  it('answers 413 payload_too_large to a PUT body over the limit, naming the limit, and stores nothing', async () => {
    const res = await http.request('/api/users/user_big', { method: 'PUT', json: { email: 'big@example.com', locale: 'x'.repeat(LIMITS.maxEventBytes) } });

    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: 'payload_too_large', message: expect.stringContaining(String(LIMITS.maxEventBytes)) });
    expect(await redis.redis.exists(keys.user('user_big'))).toBe(0);
  });

  it('answers 413 to a DELETE /api/notifications/:id carrying a body over the limit', async () => {
    const res = await http.request('/api/notifications/evt-big', { method: 'DELETE', json: { padding: 'x'.repeat(LIMITS.maxEventBytes) } });

    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers 400 invalid_user_id for an id outside the allowed characters or length', async () => {
    for (const id of ['has%20space', 'x'.repeat(201), 'a%2Fb']) {
      const res = await http.request(`/api/users/${id}`);

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_user_id' });
    }
  });

  it('answers 404 for an unknown user, saying how to create it', async () => {
    const res = await http.request('/api/users/nobody');

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found', message: expect.stringContaining('PUT /api/users/nobody') });
  });

  it('returns the inbox newest first, 50 by default and as many as ?limit= asks', async () => {
    const items = Array.from({ length: 60 }, (_, i) => JSON.stringify({ eventId: `e${i}` }));
    await redis.redis.lpush(keys.inbox('user_1'), ...items);

    const byDefault = await http.request('/api/users/user_1/inbox');
    const three = await http.request('/api/users/user_1/inbox?limit=3');
    const empty = await http.request('/api/users/user_9/inbox');

    expect(byDefault.status).toBe(200);
    expect(byDefault.body.items).toHaveLength(50);
    expect(three.body).toEqual({ userId: 'user_1', items: [{ eventId: 'e59' }, { eventId: 'e58' }, { eventId: 'e57' }] });
    expect(empty.body).toEqual({ userId: 'user_9', items: [] });
  });

  it('answers 400 invalid_limit for a limit outside 1..200', async () => {
    for (const limit of ['0', '201', 'ten', '-1']) {
      const res = await http.request(`/api/users/user_1/inbox?limit=${limit}`);

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_limit', message: expect.stringContaining('200') });
    }
  });

  it('answers 404 for an unknown notification and 200 with meta and each delivery for a known one', async () => {
    const delivery = { recipientId: 'user_1', channel: 'email', status: 'sent', provider: 'smtp', attempts: 1, updatedAt: '2026-01-31T09:00:00.000Z' };
    await redis.redis.hset(keys.notificationMeta('evt-1'), { type: 'alert', priority: 'critical', recipients: '1' });
    await redis.redis.hset(keys.deliveries('evt-1'), 'user_1|email', JSON.stringify(delivery));

    const missing = await http.request('/api/notifications/evt-unknown');
    const found = await http.request('/api/notifications/evt-1');

    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not_found' });
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ id: 'evt-1', meta: { type: 'alert', priority: 'critical', recipients: '1' }, deliveries: [delivery] });
  });

  it('answers 500 with a request id and no internals when a port fails, and logs it', async () => {
    // A real Redis connection that is closed: every command rejects, as when Redis goes away.
    const gone = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    gone.on('error', () => undefined);
    const failing = await startHttp({ ...redisPorts(gone, redis.prefix) });
    try {
      const res = await failing.request('/api/users/user_1');

      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'internal_error', message: expect.stringMatching(/request id \S+/) });
      expect(res.text).not.toMatch(/stack|ioredis|at .*\.js/i);
    } finally {
      await failing.close();
      gone.disconnect();
    }
  });
});
