import { LIMITS } from '../../../src/contract/limits';
import { eventually, testKafka, testRedis } from '../../support/infra';
import { KAFKA_HOOK_TIMEOUT_MS, kafkaTopic, redisPorts, startHttp } from './http-harness';

const shortForm = { type: 'alert', priority: 'critical', recipients: ['user_1'], channels: ['push'], payload: { message: 'Test' } };

describe('POST /api/notify', () => {
  let kafka: Awaited<ReturnType<typeof kafkaTopic>>;
  let redis: ReturnType<typeof testRedis>;
  let http: Awaited<ReturnType<typeof startHttp>>;

  beforeAll(async () => {
    kafka = await kafkaTopic();
    redis = testRedis();
    http = await startHttp({ ...redisPorts(redis.redis, redis.prefix), publish: kafka.publish });
  }, KAFKA_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await http?.close();
    await kafka?.close();
    await redis?.cleanup();
  }, KAFKA_HOOK_TIMEOUT_MS);

  it('accepts the short form with 202, fills id and createdAt, and publishes it to the topic', async () => {
    const before = Date.now();
    const res = await http.request('/api/notify', { method: 'POST', json: shortForm });

    expect(res.status).toBe(202);
    const id = res.body.id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const message = await eventually(async () => kafka.received.find((m) => m.key?.toString() === id), `event ${id} on ${kafka.topic}`);
    const event = JSON.parse(message.value!.toString());
    expect(event).toMatchObject({ ...shortForm, id, version: 2 });
    expect(Date.parse(event.createdAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('keeps an id the producer chose', async () => {
    const res = await http.request('/api/notify', { method: 'POST', json: { ...shortForm, id: 'order-42-shipped' } });

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: 'order-42-shipped' });
    await eventually(async () => kafka.received.some((m) => m.key?.toString() === 'order-42-shipped'), 'order-42-shipped on the topic');
  });

  it('answers 400 invalid_event naming the path of each schema error, and publishes nothing', async () => {
    const res = await http.request('/api/notify', { method: 'POST', json: { ...shortForm, channels: ['pigeon'] } });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_event', message: expect.stringContaining('issues') });
    expect(res.body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'channels.0' })]));
  });

  it('answers 400 malformed_json for a body that is not JSON', async () => {
    const res = await http.request('/api/notify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type": "alert",' });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'malformed_json', message: expect.stringContaining('not valid JSON') });
  });

  it(
    'answers 400 forbidden_key naming the path of a "__proto__" key or a "constructor.prototype", and malformed_json only ' + 'for JSON that does not parse',
    async () => {
      // fastify refused both shapes as "not valid JSON", sending a producer with a valid body to look for a syntax error.
      const send = (body: string) => http.request('/api/notify', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const proto = await send(
        `{"type":"alert","priority":"critical","recipients":["user_1"],"channels":["push"],"payload":{"message":"m","__proto__":{"isAdmin":true}}}`,
      );
      expect(proto).toMatchObject({ status: 400, body: { error: 'forbidden_key', message: expect.stringContaining('payload.__proto__') } });
      const ctor = await send('{"payload":{"items":[{"constructor":{"prototype":{"x":1}}}]}}');
      expect(ctor).toMatchObject({ status: 400, body: { error: 'forbidden_key', message: expect.stringContaining('payload.items.0.constructor.prototype') } });
      const deep = await send(`${'{"a":'.repeat(50_000)}{"__proto__":1}${'}'.repeat(50_000)}`);
      expect(deep).toMatchObject({ status: 400, body: { error: 'forbidden_key', message: expect.stringContaining('a.a.a.a') } });
      const broken = await send('{"type": "alert",');
      expect(broken).toMatchObject({ status: 400, body: { error: 'malformed_json', message: expect.stringMatching(/not valid JSON \(.+\)/) } });
      // A "constructor" that is a plain value or has no prototype key is just a name.
      const plain = await send(JSON.stringify({ ...shortForm, payload: { message: 'm', constructor: 'Ada', toString: { x: 1 } } }));
      expect(plain.status).toBe(202);
    },
  );

  it('answers 415 for a body that is not declared as JSON', async () => {
    const res = await http.request('/api/notify', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b' });

    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('answers 413 payload_too_large for a body over the event limit', async () => {
    const big = { ...shortForm, payload: { message: 'x'.repeat(LIMITS.maxEventBytes + 1) } };
    const res = await http.request('/api/notify', { method: 'POST', json: big });

    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: 'payload_too_large', message: expect.stringContaining(String(LIMITS.maxEventBytes)) });
  });

  it('answers 503 retryable when Kafka does not take the event, without leaking internals', async () => {
    // A real producer whose broker connection is gone: send rejects as it does when Kafka is down.
    const lost = testKafka().producer();
    await lost.connect();
    await lost.disconnect();
    const failing = await startHttp({
      ...redisPorts(redis.redis, redis.prefix),
      publish: async (event) => {
        await lost.send({ topic: kafka.topic, messages: [{ value: JSON.stringify(event) }] });
      },
    });
    try {
      const res = await failing.request('/api/notify', { method: 'POST', json: shortForm });

      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: 'publish_failed', retryable: true, message: expect.stringContaining('retry') });
      expect(res.text).not.toMatch(/KafkaJS|at .*\.js/);
      const metrics = await failing.deps.metrics.registry.getSingleMetricAsString('herald_http_requests_total');
      expect(metrics).toContain('route="/api/notify",status="503"');
    } finally {
      await failing.close();
    }
  });
});
