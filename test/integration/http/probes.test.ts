import { testRedis } from '../../support/infra';
import { redisPorts, startHttp } from './http-harness';

describe('probes and metrics (no auth)', () => {
  let redis: ReturnType<typeof testRedis>;
  let http: Awaited<ReturnType<typeof startHttp>>;

  beforeAll(async () => {
    redis = testRedis();
    http = await startHttp({ ...redisPorts(redis.redis, redis.prefix) });
  });
  afterAll(async () => {
    await http?.close();
    await redis?.cleanup();
  });

  it('GET /healthz answers 200 while the process is up', async () => {
    const res = await http.request('/healthz', { key: null });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 with each check when dependencies answer', async () => {
    const res = await http.request('/readyz', { key: null });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ready: true, checks: { redis: { ok: true } } });
  });

  it('GET /readyz answers 503 with the failing check when not ready', async () => {
    const notReady = await startHttp({
      ...redisPorts(redis.redis, redis.prefix),
      readiness: async () => ({ ready: false, checks: { redis: { ok: true }, kafka: { ok: false, detail: 'no broker at 127.0.0.1:1' } } }),
    });
    try {
      const res = await notReady.request('/readyz', { key: null });

      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ ready: false, checks: { kafka: { ok: false, detail: 'no broker at 127.0.0.1:1' } } });
    } finally {
      await notReady.close();
    }
  });

  it('GET /readyz answers 503 when the readiness check itself throws', async () => {
    const broken = await startHttp({
      ...redisPorts(redis.redis, redis.prefix),
      readiness: async () => {
        throw new Error('admin client timed out');
      },
    });
    try {
      const res = await broken.request('/readyz', { key: null });

      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ ready: false, checks: { readiness: { ok: false, detail: 'Error: admin client timed out' } } });
    } finally {
      await broken.close();
    }
  });

  it('GET /metrics serves herald_ metrics and process metrics as Prometheus text', async () => {
    await http.request('/healthz', { key: null });
    const res = await http.request('/metrics', { key: null });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    for (const name of [
      'herald_events_consumed_total',
      'herald_deliveries_total',
      'herald_provider_send_seconds',
      'herald_end_to_end_seconds',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(res.text).toContain(name);
    }
    expect(res.text).toContain('herald_http_requests_total{route="/healthz",status="200"}');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await http.request('/nope', { key: null });

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found', message: expect.stringContaining('/api/notify') });
  });
});
