import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { createDigestFlusher } from '../digests/digest-flusher';
import { buildProviders, closeProviders } from '../channels/build-providers';
import { readInbox } from '../channels/in-app';
import { eventHeaders, messageKey } from '../client/event-message';
import { laneTopic } from '../client/lane-topic';
import { systemClock, type Clock } from '../shared/clock';
import type { HeraldConfig } from '../config/schema';
import type { Env } from '../config/env';
import { createReportClaims } from '../delivery-state/report-claims';
import { createHttpServer } from '../http/server';
import { createKafka } from '../kafka/create-kafka';
import { ensureTopics } from '../kafka/ensure-topics';
import { createWorker } from '../intake/worker';
import type { Logger } from '../shared/logger';
import { BREAKER_STATE_VALUE, createMetrics } from '../metrics/metrics';
import { createClusterProbe } from '../kafka/cluster-probe';
import { createProducer } from '../kafka/producer';
import { registerScrapeMetrics } from '../metrics/scrape-metrics';
import { heraldLaneGroups } from '../kafka/consumer-lag';
import { CHANNELS } from '../contract/vocabulary';
import type { RedisClient } from '../redis/commands';
import { createKeys } from '../redis/keys';
import { createRedisClient } from '../redis/redis-client';
import { buildPipeline } from './build-pipeline';
import { createReadiness } from './readiness';
import { createStalls } from '../intake/stalls';
import { createSweep } from '../sweep/sweep';
import { createWorkerRegistry } from './worker-registry';
import { injectTraceContext } from '../tracing/kafka-headers';
import { within } from '../shared/within';

/** Options of {@link startService}; tests pass a key prefix and a clock. */
export interface ServiceOptions {
  env: Env;
  config: HeraldConfig;
  logger: Logger;
  clock?: Clock;
  /** Prefix of every Redis key; overrides `HERALD_REDIS_PREFIX` (tests use a random one). */
  redisPrefix?: string;
  /** HTTP agent of the FCM calls (an egress proxy; tests route it to a local FCM). */
  fcmAgent?: import('node:https').Agent;
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
  const { env, logger } = options;
  const clock = options.clock ?? systemClock;
  // Everything started is undone in reverse order, by stop() or by a start-up that fails half-way
  // (a busy port must not leave a consumer in the group or a connection open).
  const started: { name: string; undo: () => Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const { name, undo } of started.splice(0).reverse()) {
      const begun = Date.now();
      await undo().catch((error: unknown) => logger.warn('shutdown step failed', { step: name, error: String(error) }));
      logger.debug('shutdown step done', { step: name, ms: Date.now() - begun });
    }
  };
  // One Redis, or a Redis Cluster when REDIS_CLUSTER_NODES is set (docs/operations.md, "Scale-out").
  const redis = createRedisClient(env, { maxRetriesPerRequest: 3, enableOfflineQueue: true, autoPipelining: true });
  redis.on('error', (error) => logger.warn('redis connection error', { error: error.message }));
  started.push({ name: 'redis', undo: () => redis.quit().catch(() => redis.disconnect()) });
  try {
    const service = await startParts(options, clock, redis, started);
    const stop = async () => {
      logger.info('herald stopping: intake first, then in-flight work, then connections');
      await stopAll();
      logger.info('herald stopped');
    };
    return { ...service, stop };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startParts(
  options: ServiceOptions,
  clock: Clock,
  redis: RedisClient,
  started: { name: string; undo: () => Promise<unknown> }[],
): Promise<Omit<RunningService, 'stop'>> {
  const { env, config, logger } = options;
  const owner = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const keys = createKeys(options.redisPrefix ?? env.HERALD_REDIS_PREFIX);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: config.kafka.clientId, logger });
  await ensureTopics(kafka, config.kafka, logger);
  // Idempotent with unlimited retries (kafkajs warns that fewer may break its guarantees): a DLQ write
  // waits out a broker blip instead of failing; the HTTP API bounds its own wait below.
  const producer = createProducer(kafka, 'forever');
  await producer.connect();
  started.push({ name: 'producer', undo: () => producer.disconnect() });

  const metrics = createMetrics();
  const breakerSince = new Map<string, string>();
  let registry: ReturnType<typeof createWorkerRegistry> | null = null;
  for (const [priority, p] of Object.entries(config.priorities)) metrics.latencyBudgetSeconds.set({ priority }, p.maxLatencyMs / 1000);
  const providers = buildProviders({
    env,
    config,
    fcmAgent: options.fcmAgent,
    redis,
    keys,
    logger,
    clock,
    onBreakerChange: (channel, provider, state) => {
      metrics.breakerState.set({ channel, provider }, BREAKER_STATE_VALUE[state]);
      metrics.breakerTransitions.inc({ channel, provider, state });
      breakerSince.set(`${channel}/${provider}`, new Date(clock.now()).toISOString());
      // On-call sees a breaker open in `herald breakers` at once, not at the next heartbeat.
      void registry?.beat();
    },
  });
  started.push({ name: 'providers', undo: () => closeProviders(providers, logger) });
  for (const channel of CHANNELS) for (const p of providers[channel]) metrics.breakerState.set({ channel, provider: p.id }, 0);
  const pipeline = buildPipeline({ config, redis, keys, producer, providers, metrics, clock, logger });
  // Status changes still lingering are flushed before the producer disconnects.
  started.push({ name: 'status flush', undo: () => pipeline.status.flush() });
  // Slow attempts detached from intake finish (or are abandoned to their safety-net retries at the shutdown bound).
  started.push({ name: 'background sends', undo: () => pipeline.drainBackground() });
  // Lag, retry depth and digest backlog are read when Prometheus scrapes, never on a timer.
  // One admin client answers both /metrics (lag) and /readyz (brokers), connected at the first question.
  const cluster = createClusterProbe(kafka, heraldLaneGroups(env.KAFKA_GROUP_ID, config.kafka.topics));
  started.push({ name: 'cluster probe', undo: () => cluster.close() });
  registerScrapeMetrics(
    metrics.registry,
    { consumerLag: cluster.lag, retryDepth: () => pipeline.retries.depth(CHANNELS), digestBacklog: () => pipeline.batchStore.backlog(clock.now()) },
    { clock, logger },
  );
  const stalls = createStalls(() => clock.now());
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
    observeQueueWait: ({ lane, priority, seconds }) => metrics.queueWaitSeconds.observe({ lane, priority }, seconds),
    stalls,
    lanes: env.HERALD_LANES,
  });
  const flusher = createDigestFlusher({
    store: pipeline.batchStore,
    pollIntervalMs: config.batching.pollIntervalMs,
    sendDigest: pipeline.sendDigest,
    logger,
    clock,
    owner,
  });
  const readiness = createReadiness({
    brokers: cluster.brokers,
    redis,
    isJoined: worker.isJoined,
    groupId: env.KAFKA_GROUP_ID,
    breakers: () => Object.fromEntries(CHANNELS.flatMap((c) => providers[c].map((p) => [`${c}/${p.id}`, p.breakerState()]))),
    retryDepth: () => pipeline.retries.depth(CHANNELS),
    stuck: () => stalls.stuck(config.kafka.stuckAfterMs),
    clock,
  });
  const http = createHttpServer({
    apiKeys: env.HERALD_API_KEYS,
    limits: config.http,
    logger,
    metrics,
    clock,
    maxHorizonMs: config.scheduling.maxHorizon,
    publish: async (event) => {
      // Same key and headers as HeraldProducer, so API and client events are ordered alike; the
      // API knows the lanes, so an event outside the fast lane goes straight to the bulk topic.
      const message = { key: messageKey(event), value: JSON.stringify(event), headers: injectTraceContext(eventHeaders(event)) };
      const topic = laneTopic(event.priority, { incoming: config.kafka.topics.incoming, bulk: config.kafka.topics.bulk, fastLane: config.kafka.fastLane });
      const send = producer.send({ topic, acks: -1, messages: [message] });
      // The client gets a 503 after 10 s; if the send still lands later, the event id dedups the client's retry.
      send.catch(() => undefined);
      await within(10_000, send, 'publishing to Kafka');
    },
    users: pipeline.directory,
    inbox: (userId, limit) => readInbox(redis, keys, userId, limit),
    notification: async (id) => {
      const [found, scheduled] = await Promise.all([pipeline.deliveries.notification(id), pipeline.schedule.state(id)]);
      if (!scheduled) return found;
      // A scheduled event has no deliveries until it fires; say where it stands instead.
      const schedule = { state: scheduled.state, ...(scheduled.dueAt === undefined ? {} : { sendAt: new Date(scheduled.dueAt).toISOString() }) };
      return { ...(found ?? { id, meta: null, deliveries: [] }), schedule };
    },
    cancel: (id) => pipeline.schedule.cancel(id),
    readiness: readiness.readiness,
    twilioStatus:
      env.TWILIO_AUTH_TOKEN && env.HERALD_PUBLIC_URL
        ? {
            authToken: env.TWILIO_AUTH_TOKEN,
            publicUrl: new URL(env.HERALD_PUBLIC_URL).origin,
            apply: async (update) => {
              const verdict = await pipeline.deliveries.applyProviderStatus({
                provider: 'twilio',
                messageId: update.messageSid,
                status: update.status,
                errorCode: update.errorCode,
              });
              metrics.statusCallbacks.inc({ provider: 'twilio', verdict });
              return verdict;
            },
            claims: createReportClaims({ redis, keys, retentionSeconds: config.deliveryState.retentionSeconds }),
          }
        : undefined,
  });

  // Listen before joining the group: a busy port fails here, before this process takes partitions.
  const url = await http.listen({ host: '0.0.0.0', port: env.HTTP_PORT });
  started.push({ name: 'http', undo: () => http.close() });
  const startedAt = new Date(clock.now()).toISOString();
  registry = createWorkerRegistry({
    redis,
    keys,
    clock,
    logger,
    intervalMs: config.heartbeat.intervalMs,
    identity: { owner, host: os.hostname(), pid: process.pid, groupId: env.KAFKA_GROUP_ID, url: url.replace('0.0.0.0', '127.0.0.1') },
    breakers: () =>
      CHANNELS.flatMap((channel) =>
        providers[channel].map((p) => ({
          channel,
          provider: p.id,
          state: p.breakerState(),
          since: breakerSince.get(`${channel}/${p.id}`) ?? startedAt,
          ...(p.openUntil() > 0 ? { trialAt: new Date(p.openUntil()).toISOString() } : {}),
        })),
      ),
  });
  await registry.start();
  const beating = registry;
  started.push({ name: 'worker registry', undo: () => beating.stop() });
  await worker.start();
  started.push({ name: 'consumer', undo: () => worker.stop() });
  flusher.start();
  started.push({ name: 'digest flusher', undo: () => flusher.stop() });
  pipeline.schedulePoller.start();
  started.push({ name: 'schedule poller', undo: () => pipeline.schedulePoller.stop() });
  pipeline.retryPoller.start();
  started.push({ name: 'retry poller', undo: () => pipeline.retryPoller.stop() });
  const sweep = createSweep({
    redis,
    keys,
    clock,
    logger,
    deliveries: pipeline.deliveries,
    retries: pipeline.retries,
    directory: pipeline.directory,
    config,
    owner,
    // Scheduled events far past due mean the pollers are not keeping up (or none ran): fire what is due now.
    fireOverdueScheduled: async (lateAfterMs, limit) => {
      const late = await pipeline.schedule.overdue(lateAfterMs, limit);
      if (late.length === 0) return 0;
      logger.warn('scheduled events found past due by the sweep; firing them', {
        decision: 'swept',
        count: late.length,
        oldestDueAt: new Date(late[0]!.dueAt).toISOString(),
      });
      await pipeline.schedulePoller.pollOnce();
      return late.length;
    },
    observe: (kind, n) => metrics.sweepItems.inc({ kind }, n),
    observeRun: (outcome) => metrics.sweepRuns.inc({ outcome }),
  });
  sweep.start();
  started.push({ name: 'verification sweep', undo: () => sweep.stop() });
  logger.info('herald started', { url, groupId: env.KAFKA_GROUP_ID, topic: config.kafka.topics.incoming, lanes: env.HERALD_LANES, owner });
  return { url: url.replace('0.0.0.0', '127.0.0.1'), isJoined: worker.isJoined };
}
