import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import { Partitioners } from 'kafkajs';
import { createDigestFlusher } from '../batching/digest-flusher';
import { buildProviders, closeProviders } from '../channels/build-providers';
import { readInbox } from '../channels/in-app';
import { systemClock, type Clock } from '../clock';
import type { HeraldConfig } from '../config/schema';
import type { Env } from '../env';
import { createHttpServer } from '../http/server';
import { createKafka } from '../kafka/create-kafka';
import { ensureTopics } from '../kafka/ensure-topics';
import { createWorker } from '../intake/worker';
import type { Logger } from '../logger';
import { createMetrics } from '../metrics/metrics';
import { createKeys } from '../redis/keys';
import { buildPipeline } from './build-pipeline';
import { createReadiness } from './readiness';

/** Options of {@link startService}; tests pass a key prefix and a clock. */
export interface ServiceOptions {
  env: Env;
  config: HeraldConfig;
  logger: Logger;
  clock?: Clock;
  /** Prefix of every Redis key; overrides `HERALD_REDIS_PREFIX` (tests use a random one). */
  redisPrefix?: string;
}

/** A running herald: worker, digest cron and HTTP API in one process. */
export interface RunningService {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8080. */
  url: string;
  isJoined(): boolean;
  /** Stops intake, finishes or abandons in-flight work, commits, closes connections. */
  stop(): Promise<void>;
}

/** Starts every part of herald against the brokers and Redis that `env` names. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { env, config, logger } = options;
  const clock = options.clock ?? systemClock;
  const owner = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3, enableOfflineQueue: true });
  redis.on('error', (error) => logger.warn('redis connection error', { error: error.message }));
  const keys = createKeys(options.redisPrefix ?? env.HERALD_REDIS_PREFIX);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: config.kafka.clientId, logger });
  await ensureTopics(kafka, config.kafka, logger);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();

  const metrics = createMetrics();
  const providers = buildProviders({ env, config, redis, keys, logger });
  const pipeline = buildPipeline({ config, redis, keys, producer, providers, metrics, clock, logger });
  const worker = createWorker({
    kafka,
    groupId: env.KAFKA_GROUP_ID,
    config: config.kafka,
    handleEvent: pipeline.handleEvent,
    dlq: pipeline.dlq,
    clock,
    logger,
    observe: ({ outcome, reason }) => {
      metrics.eventsConsumed.inc({ outcome });
      if (outcome === 'invalid') metrics.dlqMessages.inc({ reason: reason ?? 'invalid_event' });
    },
  });
  const flusher = createDigestFlusher({ store: pipeline.batchStore, maxBatch: config.batching.maxBatch, schedule: config.batching.schedule, sendDigest: pipeline.sendDigest, logger, clock, owner });
  const readiness = createReadiness({ kafka, redis, isJoined: worker.isJoined, groupId: env.KAFKA_GROUP_ID });
  const http = createHttpServer({
    apiKeys: env.HERALD_API_KEYS,
    logger,
    metrics,
    clock,
    publish: async (event) => {
      await producer.send({ topic: config.kafka.topics.incoming, acks: -1, messages: [{ key: event.recipients.length === 1 ? event.recipients[0]! : event.id, value: JSON.stringify(event) }] });
    },
    users: pipeline.directory,
    inbox: (userId, limit) => readInbox(redis, keys, userId, limit),
    notification: (id) => pipeline.deliveries.notification(id),
    readiness: readiness.readiness,
  });

  await worker.start();
  flusher.start();
  const url = await http.listen({ host: '0.0.0.0', port: env.HTTP_PORT });
  logger.info('herald started', { url, groupId: env.KAFKA_GROUP_ID, topic: config.kafka.topics.incoming, owner });

  return {
    url: url.replace('0.0.0.0', '127.0.0.1'),
    isJoined: worker.isJoined,
    async stop() {
      logger.info('herald stopping: intake first, then in-flight work, then connections');
      const step = async (name: string, work: () => Promise<unknown>) => {
        const started = Date.now();
        await work();
        logger.debug('shutdown step done', { step: name, ms: Date.now() - started });
      };
      await step('digest cron', () => flusher.stop());
      await step('consumer', () => worker.stop());
      await step('http', () => http.close());
      await step('readiness', () => readiness.close().catch(() => undefined));
      await step('producer', () => producer.disconnect());
      await step('providers', () => closeProviders(providers));
      await step('redis', () => redis.quit().catch(() => redis.disconnect()));
      logger.info('herald stopped');
    },
  };
}
