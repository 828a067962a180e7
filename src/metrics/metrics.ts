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
const END_TO_END_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

/**
 * Builds herald's metrics on a fresh registry (never prom-client's global one, so each test
 * and each service instance gets its own), with Node's default process metrics collected into it.
 * Expose `registry.metrics()` as `GET /metrics`.
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
    /** Deliveries waiting in the retry store, by channel (read from Redis at scrape time). */
    retryStoreDepth: new Gauge<'channel'>({
      name: 'herald_retry_store_depth',
      help: 'Deliveries waiting in the retry store, by channel (shared by all workers).',
      labelNames: ['channel'],
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
    /** Replay messages (`herald dlq replay`) handled, by outcome (reopened, already_sent, skipped, in_progress, not_in_event). */
    replays: new Counter<'outcome'>({
      name: 'herald_replays_total',
      help: 'Dead letters replayed with herald dlq replay, by outcome (reopened, already_sent, skipped, in_progress, not_in_event).',
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
