import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { EventV2 } from '../../../src/contract/event-v2';
import { injectTraceContext } from '../../../src/tracing/kafka-headers';
import { testRedis } from '../../support/infra';
import { redisPorts, startHttp } from './http-harness';

/** A caller's W3C trace context continues from POST /api/notify into the Kafka headers herald publishes with. */
describe('POST /api/notify carries the caller trace', () => {
  let redis: ReturnType<typeof testRedis>;
  let http: Awaited<ReturnType<typeof startHttp>>;
  const published: { event: EventV2; headers: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    redis = testRedis();
    // The service's publish builds its headers the same way (src/service/start-service.ts).
    http = await startHttp({
      ...redisPorts(redis.redis, redis.prefix),
      publish: async (event: EventV2) => void published.push({ event, headers: injectTraceContext({}) }),
    });
  });
  afterAll(async () => {
    await http?.close();
    await redis?.cleanup();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  const body = { type: 'alert', priority: 'critical', recipients: ['user_1'], channels: ['push'], payload: { message: 'Test' } };

  it('a traceparent header on the request becomes the parent of the published message', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await http.request('/api/notify', { method: 'POST', json: body, headers: { traceparent } });
    expect(res.status).toBe(202);
    const sent = published.find((p) => p.event.id === res.body.id);
    expect(sent?.headers.traceparent).toBe(traceparent);
  });

  it('without one, nothing is invented', async () => {
    const res = await http.request('/api/notify', { method: 'POST', json: body });
    expect(res.status).toBe(202);
    expect(published.find((p) => p.event.id === res.body.id)?.headers).toEqual({});
  });
});
