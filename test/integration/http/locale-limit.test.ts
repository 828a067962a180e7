import { LIMITS } from '../../../src/contract/limits';
import { createKeys } from '../../../src/redis/keys';
import { eventually } from '../../support/infra';
import { KAFKA_HOOK_TIMEOUT_MS, startHttpOnKafka } from './http-harness';

/** A well-formed BCP 47 tag (`en-ab-ab-…`) of about `bytes` characters: only its length is wrong. */
const longLocale = (bytes: number) => `en${'-ab'.repeat(Math.ceil((bytes - 2) / 3))}`;
const TOO_LONG = `locale is longer than ${LIMITS.maxNameLength} characters`;
const shortForm = { type: 'alert', priority: 'critical', recipients: ['user_1'], channels: ['push'], payload: { message: 'Test' } };

/** Issue 15, finding 3: the 100-character locale limit of docs/producers.md (Limits) holds on the HTTP API too. */
describe('the locale limit over HTTP', () => {
  let env: Awaited<ReturnType<typeof startHttpOnKafka>>;
  beforeAll(async () => {
    env = await startHttpOnKafka();
  }, KAFKA_HOOK_TIMEOUT_MS);
  afterAll(() => env?.close(), KAFKA_HOOK_TIMEOUT_MS);

  it('PUT /api/users/:id with a 100 KB locale answers 400 naming the field and the limit, and stores nothing', async () => {
    const res = await env.http.request('/api/users/long_locale', { method: 'PUT', json: { email: 'ada@example.com', locale: longLocale(100 * 1024) } });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_profile', issues: [{ path: 'locale', message: expect.stringContaining(TOO_LONG) }] });
    expect(await env.redis.redis.exists(createKeys(env.redis.prefix).user('long_locale'))).toBe(0);
  });

  it('PUT /api/users/:id still stores a 100-character locale', async () => {
    const locale = `en${'-abcdefgh'.repeat(10)}-abcdefg`;
    expect(locale).toHaveLength(LIMITS.maxNameLength);
    const res = await env.http.request('/api/users/long_ok', { method: 'PUT', json: { locale } });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ profile: { locale } });
  });

  it('POST /api/notify with a 9 KB locale answers 400 naming the field and the limit, and publishes nothing', async () => {
    const res = await env.http.request('/api/notify', { method: 'POST', json: { ...shortForm, id: 'long-locale', version: 2, locale: longLocale(9 * 1024) } });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_event', issues: [{ path: 'locale', message: expect.stringContaining(TOO_LONG) }] });
    // An event sent after it arrives; the refused one must not be before it on the topic.
    await env.http.request('/api/notify', { method: 'POST', json: { ...shortForm, id: 'after-long-locale' } });
    await eventually(async () => env.kafka.received.some((m) => m.key?.toString() === 'after-long-locale'), 'after-long-locale on the topic');
    expect(env.kafka.received.map((m) => m.key?.toString())).not.toContain('long-locale');
  });
});
