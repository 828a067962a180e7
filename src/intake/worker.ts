import type { Clock } from '../shared/clock';
import { LANES, type Lane } from '../config/env';
import type { HeraldConfig } from '../config/schema';
import { sourceTimestamp } from '../contract/dead-letter';
import type { EventV2 } from '../contract/event-v2';
import { parseEvent, type ParseResult } from '../contract/parse-event';
import type { DlqPublisher } from '../dlq/dlq-publisher';
import { describeError } from '../shared/errors';
import { redactText, type Logger } from '../shared/logger';
import type { EventHandler } from '../routing/handle-event';
import { createLaneConsumer } from '../kafka/lane-consumer';
import { createProducer } from '../kafka/producer';
import type { KafkaClient, KafkaProducer, MessageSink, PartitionBatch } from '../kafka/types';
import type { InPlaceOptions } from './retry-in-place';
import { runPartitionTurn } from './partition-turn';
import type { Stalls } from './stalls';
import { withIntakeSpan } from '../tracing/intake-span';
import { createTriageBatch, type MessageAt } from './triage-batch';
import { weightOf } from './run-by-key';
import { replayRefusal } from './triage';

/** Dependencies of {@link createWorker}. */
export interface WorkerDeps {
  kafka: KafkaClient;
  /** The intake group; the bulk lane's group is `<groupId>.bulk`. */
  groupId: string;
  config: HeraldConfig['kafka'];
  handleEvent: EventHandler;
  dlq: DlqPublisher;
  clock: Clock;
  logger: Logger;
  /** The idempotent producer that forwards bulk events. Default: one of its own, created at start and closed at stop. */
  producer?: MessageSink;
  /** Observes each consumed message (metrics); a forwarded one is observed once, by the bulk lane. */
  observe?: (info: { outcome: 'accepted' | 'duplicate' | 'invalid'; reason?: string; priority?: string; createdAt?: string }) => void;
  /** Observes how long a valid message waited on its lane's topic (its Kafka timestamp → start of handling), for `herald_queue_wait_seconds`. */
  observeQueueWait?: (info: { lane: 'intake' | 'bulk'; priority: string; seconds: number }) => void;
  /** Where messages retried in place are recorded, for readiness (./stalls.ts). */
  stalls?: Stalls;
  /** The lanes this worker consumes (HERALD_LANES); default both. */
  lanes?: readonly Lane[];
}

/**
 * Two consumer groups in one worker, or one of them (`lanes`, HERALD_LANES) (the design is in ./triage.ts). Intake, on `topics.incoming`,
 * handles fast-lane events and dead-letters invalid messages itself and forwards every other event to
 * `topics.bulk`; the bulk lane, group `<groupId>.bulk`, handles what it reads whatever its priority.
 * Both handle the messages of a partition side by side, up to `kafka.deliveriesInFlight` deliveries
 * between them and each key's in order (./run-by-key.ts). An offset is resolved only once its
 * message and every one before it are done (handled, dead-lettered or forwarded) and kafkajs commits
 * resolved offsets only, so a committed offset never runs ahead of the work. When our own storage fails, the message is retried in place
 * with backoff, holding its key (and so, soon, its partition) rather than skipping it.
 */
export function createWorker(deps: WorkerDeps) {
  const { config, logger } = deps;
  let ownProducer: KafkaProducer | null = null;

  async function rejectInvalid({ topic, partition, message }: MessageAt, failure: Extract<ParseResult, { ok: false }>): Promise<void> {
    await deps.dlq.rejectMessage({
      source: { topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, timestamp: sourceTimestamp(message.timestamp) },
      raw: message.value,
      reason: failure.code,
      message: failure.message,
      issues: failure.issues,
      failedAt: new Date(deps.clock.now()).toISOString(),
    });
    logger.warn('invalid message dead-lettered', {
      decision: 'dead-lettered',
      topic,
      partition,
      offset: message.offset,
      reason: failure.code,
      error: failure.message,
    });
    deps.observe?.({ outcome: 'invalid', reason: failure.code });
  }

  // The marker is where this copy sits: a redelivery of it is finished, a second copy is dropped.
  const markerOf = ({ topic, partition, message }: MessageAt) => `${topic}/${partition}/${message.offset}`;

  async function handleValid(at: MessageAt, event: EventV2): Promise<void> {
    const { topic, message } = at;
    const lane = topic === config.topics.bulk ? 'bulk' : 'intake';
    const waitedMs = deps.clock.now() - Number(message.timestamp);
    deps.observeQueueWait?.({ lane, priority: event.priority, seconds: Math.max(0, waitedMs) / 1000 });
    // A `herald.intake` span in the producer's trace (from the message headers), in both lanes.
    await withIntakeSpan(at, event, lane, async () => {
      const { verdict } = await deps.handleEvent(event, markerOf(at));
      deps.observe?.({ outcome: verdict === 'duplicate' ? 'duplicate' : 'accepted', priority: event.priority, createdAt: event.createdAt });
    });
  }

  /**
   * Dead-letters a valid event whose handling failed the same way `kafka.maxHandlingFailures` times
   * (a bug, a corrupt record: no retry cures it), so its partition moves on. Its dedup claim is
   * released first, so the copy `herald dlq replay` re-publishes once the cause is fixed is handled
   * (the send-once ledger keeps what the failed tries sent from going out twice).
   */
  async function giveUp(at: MessageAt, event: EventV2, error: unknown, failures: number): Promise<void> {
    await deps.handleEvent.release(event, markerOf(at));
    // Error texts may quote stored data (a JSON parse error quotes the record): masked as in the logs.
    const why = redactText(describeError(error));
    const failure = {
      ok: false as const,
      code: 'handling_failed' as const,
      message:
        `herald failed to handle this event ${failures} times the same way (${why}); it was dead-lettered so that its partition moves on. Fix the ` +
        `cause, then re-publish it with herald dlq replay`,
      issues: [{ path: '(handling)', message: why }],
    };
    await rejectInvalid(at, failure);
  }

  /** How a lane retries one message in place: a valid event is given up after `kafka.maxHandlingFailures` same failures. */
  function inPlace(at: MessageAt, event: EventV2 | null): InPlaceOptions {
    const policy = event
      ? { maxFailures: config.maxHandlingFailures, giveUp: (error: unknown, failures: number) => giveUp(at, event, error, failures) }
      : undefined;
    return { logger, stalls: deps.stalls, policy };
  }

  /**
   * The bulk lane's `eachBatch`: every message handled in one partition turn (./partition-turn.ts),
   * parsed up front (a few µs each) so that each weighs the deliveries its event may make.
   */
  async function handleBulk(payload: PartitionBatch): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    const handled = messages.map((message, index) => {
      // The bulk topic takes producers' events too (src/client/lane-topic.ts): the same refusal as at intake.
      const parsed = replayRefusal(message.headers) ?? parseEvent(message.value);
      const at = { topic, partition, message };
      const work = () => (parsed.ok ? handleValid(at, parsed.event) : rejectInvalid(at, parsed));
      return { index, message, weight: parsed.ok ? weightOf(parsed.event) : 1, work, inPlace: inPlace(at, parsed.ok ? parsed.event : null) };
    });
    await runPartitionTurn(payload, { limit: config.deliveriesInFlight, logger, handled });
  }

  const lane = { kafka: deps.kafka, config, logger };
  const intake = createLaneConsumer({
    ...lane,
    lane: 'intake',
    groupId: deps.groupId,
    topic: config.topics.incoming,
    eachBatch: createTriageBatch({
      fastLane: config.fastLane,
      bulkTopic: config.topics.bulk,
      deliveriesInFlight: config.deliveriesInFlight,
      producer: () => {
        const producer = deps.producer ?? ownProducer;
        if (!producer) throw new Error('the worker has no producer to forward with; call start() before consuming');
        return producer;
      },
      handleValid,
      rejectInvalid,
      inPlace,
      logger,
    }),
  });
  const bulk = createLaneConsumer({ ...lane, lane: 'bulk', groupId: `${deps.groupId}.bulk`, topic: config.topics.bulk, eachBatch: handleBulk });

  // Only the lanes this process consumes (HERALD_LANES): an intake-only process keeps critical events off the event loop of a saturated bulk lane.
  const lanes = deps.lanes ?? LANES;
  const consumers = [...(lanes.includes('intake') ? [intake] : []), ...(lanes.includes('bulk') ? [bulk] : [])];

  async function stop(): Promise<void> {
    // Intake first: nothing new is forwarded while the bulk lane winds down.
    for (const consumer of consumers) await consumer.stop();
    const producer = ownProducer;
    ownProducer = null;
    await producer?.disconnect();
  }

  return {
    /** Joins the groups of its lanes and starts consuming (returns once each consumer runs); undoes itself if a step fails. */
    async start(): Promise<void> {
      try {
        // Only intake forwards; a bulk-only worker needs no producer of its own.
        if (!deps.producer && lanes.includes('intake')) {
          // The service's settings: idempotent, one request in flight, waits out broker blips.
          ownProducer = createProducer(deps.kafka, 'forever');
          await ownProducer.connect();
        }
        for (const consumer of consumers) await consumer.start();
      } catch (error) {
        await stop().catch((e: unknown) => logger.warn('worker stop after a failed start failed', { error: describeError(e) }));
        throw error;
      }
    },
    /** True while each consumer of its lanes is a member of its group with an assignment. */
    isJoined: () => consumers.every((c) => c.isJoined()),
    /** The lanes it consumes. */
    lanes,
    /** Stops intake, then the bulk lane; each lets the message in hand finish, commits resolved offsets and leaves its group. */
    stop,
  };
}

/** The worker, as returned by {@link createWorker}. */
export type Worker = ReturnType<typeof createWorker>;
