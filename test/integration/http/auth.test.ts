import { createHttpServer } from '../../../src/http/server';
import { createKeys } from '../../../src/redis/keys';
import { testRedis } from '../../support/infra';
import { API_KEY, KAFKA_HOOK_TIMEOUT_MS, kafkaTopic, redisPorts, startHttp } from './http-harness';

const event = { type: 'alert', priority: 'high', recipients: ['user_1'], channels: ['in_app'], payload: { message: 'Hi' } };

/** Every route under /api (HEAD aside), with a request that would succeed with a key. */
const API_ROUTES = [
  { method: 'POST', pattern: '/api/notify', path: '/api/notify', json: event },
  { method: 'PUT', pattern: '/api/users/:id', path: '/api/users/intruder', json: { email: 'mallory@example.com' } },
  { method: 'GET', pattern: '/api/users/:id', path: '/api/users/user_1' },
  { method: 'GET', pattern: '/api/users/:id/inbox', path: '/api/users/user_1/inbox' },
  { method: 'GET', pattern: '/api/notifications/:id', path: '/api/notifications/evt-1' },
  { method: 'DELETE', pattern: '/api/notifications/:id', path: '/api/notifications/evt-1' },
];

describe('bearer auth on /api/*', () => {
  let kafka: Awaited<ReturnType<typeof kafkaTopic>>;
  let redis: ReturnType<typeof testRedis>;
  let http: Awaited<ReturnType<typeof startHttp>>;

  beforeAll(async () => {
    kafka = await kafkaTopic();
    redis = testRedis();
    http = await startHttp({ ...redisPorts(redis.redis, redis.prefix), publish: kafka.publish, apiKeys: ['other-key', API_KEY] });
  }, KAFKA_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await http?.close();
    await kafka?.close();
    await redis?.cleanup();
  }, KAFKA_HOOK_TIMEOUT_MS);

  it('admits a request carrying any configured key', async () => {
    const res = await http.request('/api/notify', { method: 'POST', json: event });

    expect(res.status).toBe(202);
  });

  it('answers 401 with WWW-Authenticate and names HERALD_API_KEYS when the key is missing', async () => {
    const res = await http.request('/api/notify', { method: 'POST', json: event, key: null });

    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body).toMatchObject({ error: 'unauthorized', message: expect.stringContaining('HERALD_API_KEYS') });
  });

  it('answers 401 for a wrong key, a key prefix and a non-Bearer scheme', async () => {
    for (const authorization of ['Bearer wrong-key', `Bearer ${API_KEY.slice(0, -1)}`, `Basic ${API_KEY}`]) {
      const res = await http.request('/api/users/user_1', { key: null, headers: { authorization } });

      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body.message).toContain('HERALD_API_KEYS');
    }
  });

  it('refuses every /api call, saying to set HERALD_API_KEYS, when no key is configured', async () => {
    const closed = await startHttp({ ...redisPorts(redis.redis, redis.prefix), apiKeys: [] });
    try {
      const withKey = await closed.request('/api/users/user_1');
      const withoutKey = await closed.request('/api/users/user_1', { key: null });

      for (const res of [withKey, withoutKey]) {
        expect(res.status).toBe(401);
        expect(res.body.message).toMatch(/set HERALD_API_KEYS/);
      }
      expect((await closed.request('/healthz', { key: null })).status).toBe(200);
    } finally {
      await closed.close();
    }
  });

  it('lists in API_ROUTES every /api route the server registers, so a new route gets the checks below', async () => {
    const app = createHttpServer(http.deps);
    const registered: string[] = [];
    // Added before ready(): the /api plugin registers its routes when it loads, and inherits the hook.
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD' && route.url.startsWith('/api/')) registered.push(`${method} ${route.url}`);
    });
    await app.ready();
    await app.close();

    expect(registered.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.pattern}`).sort());
  });

  it.each(API_ROUTES)('answers 401 to $method $pattern without a key and with a wrong key', async ({ method, path, json }) => {
    for (const key of [null, 'wrong-key']) {
      const res = await http.request(path, { method, json, key });

      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body).toMatchObject({ error: 'unauthorized', message: expect.stringContaining('HERALD_API_KEYS') });
    }
    // Refused before the handler: the PUT stored nothing.
    expect(await redis.redis.exists(createKeys(redis.prefix).user('intruder'))).toBe(0);
  });

  it('checks the key before reading the body, and closes the connection instead of reading it', async () => {
    const res = await http.request('/api/notify', { method: 'POST', key: null, json: { ...event, payload: { message: 'x'.repeat(600_000) } } });

    expect(res.status).toBe(401);
    expect(res.headers.get('connection')).toBe('close');
  });
});
