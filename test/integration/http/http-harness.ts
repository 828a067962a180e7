import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { systemClock } from '../../../src/shared/clock';
import { parseConfig } from '../../../src/config/load-config';
import type { EventV2 } from '../../../src/contract/event-v2';
import type { DeliveryRecord } from '../../../src/delivery-state/types';
import { createHttpServer, type HttpDeps } from '../../../src/http/server';
import { createMetrics } from '../../../src/metrics/metrics';
import type { UserProfile } from '../../../src/recipients/user-profile';
import { createKeys } from '../../../src/redis/keys';
import { createScheduleStore } from '../../../src/scheduling/schedule-store';
import { testKafka, testLogger, testRedis, uniqueName } from '../../support/infra';

/** Hook timeout for suites that start Kafka clients (jest's 5 s default is tight for a group join). */
export const KAFKA_HOOK_TIMEOUT_MS = 30_000;

/** The API key every harness server accepts unless a test says otherwise. */
export const API_KEY = 'test-key-0123456789';

/** The Redis-backed ports of the HTTP API, the simple way: JSON strings, a list, two hashes. */
export function redisPorts(redis: Redis, prefix: string): Pick<HttpDeps, 'users' | 'inbox' | 'notification' | 'readiness' | 'cancel'> {
  const keys = createKeys(prefix);
  const schedule = createScheduleStore({ redis, keys, clock: systemClock });
  return {
    cancel: (id) => schedule.cancel(id),
    users: {
      get: async (id) => {
        const raw = await redis.get(keys.user(id));
        return raw ? (JSON.parse(raw) as UserProfile) : null;
      },
      put: async (id, profile) => {
        await redis.set(keys.user(id), JSON.stringify(profile));
      },
    },
    inbox: async (userId, limit) => (await redis.lrange(keys.inbox(userId), 0, limit - 1)).map((item) => JSON.parse(item) as unknown),
    notification: async (id) => {
      const [meta, deliveries] = await Promise.all([redis.hgetall(keys.notificationMeta(id)), redis.hvals(keys.deliveries(id))]);
      const hasMeta = Object.keys(meta).length > 0;
      if (!hasMeta && deliveries.length === 0) return null;
      return { id, meta: hasMeta ? meta : null, deliveries: deliveries.map((d) => JSON.parse(d) as DeliveryRecord) };
    },
    readiness: async () => {
      const pong = await redis.ping().catch((error: Error) => error.message);
      const ok = pong === 'PONG';
      return { ready: ok, checks: { redis: ok ? { ok } : { ok, detail: pong } } };
    },
  };
}

/** A fresh topic with a connected producer (the publish port) and a consumer collecting what arrives. */
export async function kafkaTopic(): Promise<{
  topic: string;
  publish: (event: EventV2) => Promise<void>;
  received: KafkaMessage[];
  close: () => Promise<void>;
}> {
  const kafka = testKafka();
  const topic = uniqueName('http-incoming');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  // A short fetch wait: disconnect waits for the fetch in flight (default 5 s).
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('http-group'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: KafkaMessage[] = [];
  // Disconnecting a consumer still joining its group can hang, so return only once it has joined.
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
  await joined;
  return {
    topic,
    publish: async (event) => {
      await producer.send({ topic, messages: [{ key: event.id, value: JSON.stringify(event) }] });
    },
    received,
    close: async () => {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** The publish port of suites that never reach Kafka: a call means the test is wrong. */
export const unwiredPublish: HttpDeps['publish'] = async () => {
  throw new Error('publish port not wired in this test');
};

/** Starts the real server on a free port; `request` calls it with the API key unless told otherwise. */
export async function startHttp(deps: Partial<HttpDeps> & Pick<HttpDeps, 'users' | 'inbox' | 'notification' | 'readiness' | 'cancel'>) {
  const full: HttpDeps = {
    apiKeys: [API_KEY],
    limits: parseConfig({}).http,
    logger: testLogger(),
    metrics: createMetrics(),
    publish: unwiredPublish,
    clock: systemClock,
    maxHorizonMs: 365 * 86_400_000,
    ...deps,
  };
  const app = createHttpServer(full);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const request = async (path: string, init: RequestInit & { json?: unknown; key?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== null) headers.set('authorization', `Bearer ${init.key ?? API_KEY}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    const response = await fetch(base + path, { ...init, headers, body });
    const text = await response.text();
    const isJson = response.headers.get('content-type')?.includes('application/json');
    return { status: response.status, headers: response.headers, text, body: (isJson ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  return { app, base, request, deps: full, close: () => app.close() };
}

/** {@link startHttp} on a fresh Redis prefix, publishing to a fresh topic ({@link kafkaTopic}); `close` ends all three. */
export async function startHttpOnKafka(deps: Partial<HttpDeps> = {}) {
  const kafka = await kafkaTopic();
  const redis = testRedis();
  const http = await startHttp({ ...redisPorts(redis.redis, redis.prefix), publish: kafka.publish, ...deps });
  const close = async () => {
    await http.close();
    await kafka.close();
    await redis.cleanup();
  };
  return { kafka, redis, http, close };
}
