import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How the worker classified one consumed Kafka message. */
export type ConsumeOutcome = 'accepted' | 'duplicate' | 'invalid';

/** What happened to one delivery (event × recipient × channel). */
export type DeliveryOutcome = 'sent' | 'failed' | 'skipped' | 'batched' | 'deferred' | 'dead_lettered' | 'bounced';

/** Numeric value of a breaker state in `herald_breaker_state`. */
export const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Buckets for provider calls, in seconds: a local sink answers in milliseconds,
 * a vendor API in hundreds; beyond 10 s the call has usually timed out.
 */
const PROVIDER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Buckets for event creation → delivery, in seconds: critical alerts should land in about a
 * second, digests and quiet hours hold others for hours.
 */
const END_TO_END_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600, 900, 3600, 4 * 3600, 24 * 3600];

/**
 * Buckets for the wait on a lane's topic, in seconds. The default latency budgets (5 s, 30 s,
 * 10 min, 1 h: `priorities.<p>.maxLatencyMs`) are bucket bounds, so a p99 compared with a budget is
 * exact at the budget; a changed budget should get a bound here too.
 */
const QUEUE_WAIT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/** Buckets for a wait for a rate-limit token, in seconds: bounded by `retries.maxRateWaitMs` (default 1 s). */
const RATE_WAIT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Builds herald's metrics on a fresh registry (never prom-client's global one, so each test
 * and each service instance gets its own), with Node's default process metrics collected into it.
 * Expose `registry.metrics()` as `GET /metrics`. The gauges read from Kafka and Redis at scrape
 * time (consumer lag, retry store depth, digest backlog) are added by `registerScrapeMetrics`
 * (./scrape-metrics.ts) once those stores exist. Deduplicated events are
 * `herald_events_consumed_total{outcome="duplicate"}`; there is no separate counter.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  return {
    /** The registry every metric below is registered in. */
    registry,
    /** Messages read from `notifications.incoming`, by outcome. */
    eventsConsumed: new Counter<'outcome'>({
      name: 'herald_events_consumed_total',
      help: 'Events consumed from notifications.incoming, by outcome (accepted, duplicate, invalid).',
      labelNames: ['outcome'],
      registers,
    }),
    /** Delivery tries by channel, provider and outcome (sent, failed, skipped, batched, deferred, dead_lettered, bounced). */
    deliveries: new Counter<'channel' | 'provider' | 'outcome'>({
      name: 'herald_deliveries_total',
      help: 'Delivery tries by channel, provider and outcome (sent, failed, skipped, batched, deferred, dead_lettered, bounced).',
      labelNames: ['channel', 'provider', 'outcome'],
      registers,
    }),
    /** Duration of one provider `send`, successful or not. */
    providerSendSeconds: new Histogram<'channel' | 'provider'>({
      name: 'herald_provider_send_seconds',
      help: 'Duration of one provider send call, in seconds.',
      labelNames: ['channel', 'provider'],
      buckets: PROVIDER_BUCKETS,
      registers,
    }),
    /** Messages written to the dead-letter topic, by reason code. */
    dlqMessages: new Counter<'reason'>({
      name: 'herald_dlq_messages_total',
      help: 'Messages written to the dead-letter topic, by reason code.',
      labelNames: ['reason'],
      registers,
    }),
    /** Digests sent, by channel. */
    digestsSent: new Counter<'channel'>({
      name: 'herald_digests_sent_total',
      help: 'Digest notifications sent, by channel.',
      labelNames: ['channel'],
      registers,
    }),
    /** Items added to a batch waiting for a digest, by channel. */
    batchItems: new Counter<'channel'>({
      name: 'herald_batch_items_total',
      help: 'Items added to a batch for a later digest, by channel.',
      labelNames: ['channel'],
      registers,
    }),
    /** Deliveries held back by a frequency cap, quiet hours or their age, by channel and reason. */
    deliveriesHeld: new Counter<'channel' | 'reason'>({
      name: 'herald_deliveries_held_total',
      help: 'Deliveries not sent at once because of a frequency cap, quiet hours or their age (stale), by channel and reason.',
      labelNames: ['channel', 'reason'],
      registers,
    }),
    /** Events with a future sendAt/delay handed to the schedule store, by outcome. */
    eventsScheduled: new Counter<'outcome'>({
      name: 'herald_events_scheduled_total',
      help: 'Events with a future sendAt/delay given to the schedule store, by outcome (scheduled, exists, cancelled, fired).',
      labelNames: ['outcome'],
      registers,
    }),
    /** Time from the event's `createdAt` to a successful delivery, by priority. */
    endToEndSeconds: new Histogram<'priority'>({
      name: 'herald_end_to_end_seconds',
      help: 'Time from event createdAt to successful delivery, in seconds, by priority.',
      labelNames: ['priority'],
      buckets: END_TO_END_BUCKETS,
      registers,
    }),
    /** Circuit breaker state per provider: 0 closed, 1 half-open, 2 open. */
    breakerState: new Gauge<'channel' | 'provider'>({
      name: 'herald_breaker_state',
      help: 'Circuit breaker state per channel and provider: 0 closed, 1 half-open, 2 open.',
      labelNames: ['channel', 'provider'],
      registers,
    }),
    /** Breaker transitions per provider and new state. */
    breakerTransitions: new Counter<'channel' | 'provider' | 'state'>({
      name: 'herald_breaker_transitions_total',
      help: 'Circuit breaker transitions by channel, provider and the state entered.',
      labelNames: ['channel', 'provider', 'state'],
      registers,
    }),
    /** Deliveries deferred to the retry store, by channel and reason code. */
    retriesScheduled: new Counter<'channel' | 'reason'>({
      name: 'herald_retries_scheduled_total',
      help: 'Deliveries deferred to the durable retry store, by channel and reason code.',
      labelNames: ['channel', 'reason'],
      registers,
    }),
    /**
     * Time a message waited on its lane's topic before the lane started handling it (Kafka message
     * timestamp → handling), by lane (intake, bulk) and priority: consumer lag in seconds, which the
     * alerts compare with `herald_latency_budget_seconds`. A bulk event's wait counts from its forward.
     */
    queueWaitSeconds: new Histogram<'lane' | 'priority'>({
      name: 'herald_queue_wait_seconds',
      help: 'Time from the Kafka message timestamp to the start of its handling, in seconds, by lane (intake, bulk) and priority.',
      labelNames: ['lane', 'priority'],
      buckets: QUEUE_WAIT_BUCKETS,
      registers,
    }),
    /** Latency budget per priority (config `priorities.<p>.maxLatencyMs`), so alert rules compare with the config, not copied numbers. */
    latencyBudgetSeconds: new Gauge<'priority'>({
      name: 'herald_latency_budget_seconds',
      help: 'Configured latency budget per priority (priorities.<p>.maxLatencyMs), in seconds.',
      labelNames: ['priority'],
      registers,
    }),
    /** Sends that had to wait for a rate-limit token, by outcome: granted_after_wait, or deferred (no token within `retries.maxRateWaitMs`). */
    rateLimitWaits: new Counter<'channel' | 'provider' | 'outcome'>({
      name: 'herald_rate_limit_waits_total',
      help: 'Sends that found the rate-limit bucket empty, by channel, provider and outcome (granted_after_wait, deferred).',
      labelNames: ['channel', 'provider', 'outcome'],
      registers,
    }),
    /** Time spent waiting for a rate-limit token by sends that had to wait (granted or deferred). */
    rateLimitWaitSeconds: new Histogram<'channel' | 'provider'>({
      name: 'herald_rate_limit_wait_seconds',
      help: 'Time a send waited for a rate-limit token, in seconds, by channel and provider (only sends that found the bucket empty).',
      labelNames: ['channel', 'provider'],
      buckets: RATE_WAIT_BUCKETS,
      registers,
    }),
    /** Status changes published to notifications.status, by status. */
    statusChanges: new Counter<'status'>({
      name: 'herald_status_changes_total',
      help: 'Delivery status changes published to notifications.status, by status.',
      labelNames: ['status'],
      registers,
    }),
    /** Provider status callbacks with a valid signature, by provider and verdict (applied, duplicate, unknown). */
    statusCallbacks: new Counter<'provider' | 'verdict'>({
      name: 'herald_status_callbacks_total',
      help: 'Provider status callbacks with a valid signature, by provider and verdict (applied, duplicate, unknown).',
      labelNames: ['provider', 'verdict'],
      registers,
    }),
    /** HTTP responses by route pattern (not raw URL, to bound cardinality) and status code. */
    httpRequests: new Counter<'route' | 'status'>({
      name: 'herald_http_requests_total',
      help: 'HTTP responses by route pattern and status code.',
      labelNames: ['route', 'status'],
      registers,
    }),
    /** Deliveries and scheduled events the verification sweep acted on, by kind (stuck_requeued, stale_index_cleaned, stuck_failed, scheduled_overdue). */
    sweepItems: new Counter<'kind'>({
      name: 'herald_sweep_items_total',
      help: 'Items the verification sweep acted on, by kind (stuck_requeued, stale_index_cleaned, stuck_failed, scheduled_overdue).',
      labelNames: ['kind'],
      registers,
    }),
    /** Tries of deliveries `herald dlq replay` gave another try, by outcome (sent, dead_lettered, bounced, deferred, skipped, failed, already_sent). */
    replays: new Counter<'outcome'>({
      name: 'herald_replays_total',
      help:
        'Tries of dead-lettered deliveries replayed with herald dlq replay, by outcome (sent, dead_lettered, bounced, deferred, ' +
        'skipped, failed, already_sent).',
      labelNames: ['outcome'],
      registers,
    }),
    /** Verification sweep runs of this worker, by outcome (ran, lock_held, error). */
    sweepRuns: new Counter<'outcome'>({
      name: 'herald_sweep_runs_total',
      help: 'Verification sweep runs of this worker, by outcome (ran, lock_held: another worker swept, error).',
      labelNames: ['outcome'],
      registers,
    }),
  };
}

/** Herald's metrics, as built by {@link createMetrics}. */
export type Metrics = ReturnType<typeof createMetrics>;
