import type { MessageSink } from '../kafka/types';
import { createBatchStore } from '../digests/batch-store';
import { createFrequencyCaps } from '../routing/frequency-caps';
import { createScheduleStore } from '../scheduling/schedule-store';
import { createSchedulePoller } from '../scheduling/schedule-poller';
import type { ProviderMap } from '../channels/types';
import type { Clock } from '../shared/clock';
import type { HeraldConfig } from '../config/schema';
import { createDedupStore } from '../routing/dedup-store';
import { createDeliveryStore } from '../delivery-state/delivery-store';
import { createBatchDelivery } from '../digests/batch-delivery';
import { createDispatcher } from '../dispatch/dispatch-delivery';
import { createDetachingDispatch } from '../dispatch/detach-slow';
import { createDigestSender } from '../digests/send-digest';
import { createRateLimiter } from '../dispatch/rate-limiter';
import { createRetryPoller } from '../retries/retry-poller';
import { checkAtSendTime } from '../routing/send-time-check';
import { createRetryStore } from '../retries/retry-store';
import { createSendOnce } from '../dispatch/send-once';
import { createStatusPublisher } from '../delivery-state/status-publisher';
import { CHANNELS, type Channel } from '../contract/vocabulary';
import { createDlqPublisher } from '../dlq/dlq-publisher';
import { createEventHandler } from '../routing/handle-event';
import type { Logger } from '../shared/logger';
import type { Metrics } from '../metrics/metrics';
import { createUserDirectory } from '../recipients/user-directory';
import type { RedisKeys } from '../redis/keys';
import { createRenderer, type UnsafeUrl } from '../rendering/render';
import { createDigestRenderer } from '../digests/render-digest';
import type { RedisClient } from '../redis/commands';

/** What the pipeline is built from; all of it passed in, nothing global. */
export interface PipelineDeps {
  config: HeraldConfig;
  redis: RedisClient;
  keys: RedisKeys;
  producer: MessageSink;
  providers: ProviderMap;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
}

/**
 * Wires the stages of an event's path (dedup → recipients → routing → dispatch or batching →
 * delivery state → DLQ) and reports each outcome to the metrics. Returns the pieces the worker,
 * the digest flusher and the HTTP API use.
 */
export function buildPipeline(deps: PipelineDeps) {
  const { config, redis, keys, clock, logger, metrics, providers } = deps;
  const status = createStatusPublisher({ producer: deps.producer, topic: config.kafka.topics.status });
  const deliveries = createDeliveryStore({
    redis,
    keys,
    clock,
    retentionSeconds: config.deliveryState.retentionSeconds,
    leaseMs: config.dedup.sendLeaseMs,
    onChange: async (change) => {
      await status.publish(change);
      metrics.statusChanges.inc({ status: change.status });
    },
  });
  const retries = createRetryStore({ redis, keys, clock });
  const nextTurn = async (channel: Channel) => redis.incr(keys.roundRobin(channel));
  const directory = createUserDirectory({ redis, keys });
  const dlq = createDlqPublisher({ producer: deps.producer, topic: config.kafka.topics.dlq });
  // A refused link renders empty; the line says which template and event, never the URL (it may carry a token).
  const renderOptions = {
    onUnsafeUrl: ({ path, scheme, eventId }: UnsafeUrl) =>
      logger.warn('unsafe link left out of a message', { decision: 'unsafe_url', template: path, scheme, eventId }),
  };
  const renderer = createRenderer(config, renderOptions);
  const batchStore = createBatchStore({ redis, keys, clock, claimLeaseMs: config.batching.claimLeaseMs, retentionMs: config.dedup.ttlSeconds * 1000 });
  const schedule = createScheduleStore({ redis, keys, clock, retentionSeconds: config.deliveryState.retentionSeconds });
  const sendOnce = createSendOnce({
    deliveries,
    clock,
    logger,
    leaseMs: config.dedup.sendLeaseMs,
    maxRateWaitMs: config.retries.maxRateWaitMs,
    limiter: createRateLimiter({
      redis,
      keys,
      channels: config.channels,
      observe: ({ channel, provider, outcome, waitedMs }) => {
        metrics.rateLimitWaits.inc({ channel, provider, outcome });
        metrics.rateLimitWaitSeconds.observe({ channel, provider }, waitedMs / 1000);
      },
    }),
    observe: ({ channel, provider, seconds }) => metrics.providerSendSeconds.observe({ channel, provider }, seconds),
  });
  const dispatch = createDispatcher({
    providers,
    nextTurn,
    sendOnce,
    deliveries,
    retries,
    dlq,
    render: (input) => renderer.render(input),
    config,
    clock,
    logger,
    observe: ({ channel, provider, outcome, event, reason }) => {
      if (outcome === 'already_sent') return;
      metrics.deliveries.inc({ channel, provider, outcome });
      if (outcome === 'deferred') metrics.retriesScheduled.inc({ channel, reason: reason ?? 'unknown' });
      else if (outcome === 'dead_lettered' || outcome === 'bounced') metrics.dlqMessages.inc({ reason: 'delivery_failed' });
      else metrics.endToEndSeconds.observe({ priority: event.priority }, Math.max(0, clock.now() - Date.parse(event.createdAt)) / 1000);
    },
  });
  const caps = createFrequencyCaps({ redis, keys, clock, caps: config.frequencyCaps });
  const detacher = createDetachingDispatch({
    dispatch,
    retries,
    detachAfterMs: config.retries.detachAfterMs,
    leaseMs: config.dedup.sendLeaseMs,
    clock,
    logger,
  });
  const handleEvent = createEventHandler({
    dedup: createDedupStore({ redis, keys, ttlSeconds: config.dedup.ttlSeconds }),
    deliveries,
    directory,
    dispatch: detacher.dispatch,
    batch: createBatchDelivery({ store: batchStore, deliveries, render: (input) => renderer.render(input), clock, logger }),
    schedule,
    caps,
    retries,
    config,
    clock,
    logger,
    observe: ({ channel, outcome, reason }) => {
      metrics.deliveries.inc({ channel, provider: 'none', outcome });
      if (outcome === 'batched') metrics.batchItems.inc({ channel });
      if (reason === 'frequency_capped' || reason === 'quiet_hours' || reason === 'stale') metrics.deliveriesHeld.inc({ channel, reason });
    },
    observeScheduled: ({ outcome }) => metrics.eventsScheduled.inc({ outcome }),
  });
  const schedulePoller = createSchedulePoller({ store: schedule, fire: handleEvent.fireScheduled, config: config.scheduling, clock, logger });
  const sendDigest = createDigestSender({
    providers,
    sendOnce,
    deliveries,
    directory,
    dlq,
    renderer: createDigestRenderer(config, renderOptions),
    config,
    nextTurn,
    clock,
    logger,
    observe: ({ channel, provider, outcome }) => {
      if (outcome === 'sent') metrics.digestsSent.inc({ channel });
      if (outcome === 'dead_lettered') metrics.dlqMessages.inc({ reason: 'digest_failed' });
      if (outcome !== 'already_sent') metrics.deliveries.inc({ channel, provider, outcome });
    },
  });
  const retryPoller = createRetryPoller({
    retries,
    dispatch,
    directory,
    deliveries,
    checkAtSendTime: (event, recipient, channel, nowMs) => checkAtSendTime(event, recipient, channel, nowMs, { caps, config }),
    config,
    channels: CHANNELS,
    clock,
    logger,
    observe: ({ channel, outcome, replayed, reason }) => {
      if (replayed) metrics.replays.inc({ outcome });
      if (outcome !== 'skipped' && outcome !== 'failed' && outcome !== 'deferred') return;
      // What dispatch did is counted by dispatch; these are the send-time checks' own outcomes.
      metrics.deliveries.inc({ channel, provider: 'none', outcome });
      if (reason === 'quiet_hours' || reason === 'frequency_capped') metrics.deliveriesHeld.inc({ channel, reason });
    },
  });
  return {
    deliveries,
    directory,
    dlq,
    batchStore,
    schedule,
    schedulePoller,
    handleEvent,
    sendDigest,
    retries,
    retryPoller,
    status,
    drainBackground: detacher.drain,
  };
}

/** The wired pipeline, as returned by {@link buildPipeline}. */
export type Pipeline = ReturnType<typeof buildPipeline>;
