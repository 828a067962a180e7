import type { EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { Priority } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import type { ParseResult } from '../contract/parse-event';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { createInOrderOffsets } from './in-order-offsets';
import { keepAlive } from './keep-alive';
import { handleInPlace, retryInPlace, type InPlaceOptions } from './retry-in-place';
import { keyOf, runByKey, weightOf } from './run-by-key';
import { chunkForSend, forwardedMessage, messageBytes, triage, type SendLimits, type Triage } from './triage';

/** Where a message is, as the handlers of one batch need it. */
export interface MessageAt {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Dependencies of {@link createTriageBatch}. */
export interface TriageBatchDeps {
  /** Priorities handled here (`kafka.fastLane`); the others are forwarded. */
  fastLane: readonly Priority[];
  /** The bulk lane (`kafka.topics.bulk`). */
  bulkTopic: string;
  /** The idempotent producer that forwards (looked up per batch: the worker may create it at start). */
  producer: () => Producer;
  /** Deliveries the messages of one partition handled here may have in flight (`kafka.deliveriesInFlight`). */
  deliveriesInFlight: number;
  /** How much one forwarding request carries. Default 1000 messages or 512 KiB, whichever comes first. */
  forwardLimits?: SendLimits;
  /** Handles one valid fast-lane event; rejects when our own storage fails (then it is retried in place). */
  handleValid: (at: MessageAt, event: EventV2) => Promise<void>;
  /** Dead-letters one message that is not a valid event. */
  rejectInvalid: (at: MessageAt, failure: Extract<ParseResult, { ok: false }>) => Promise<void>;
  /** How one message is retried in place: when to give it up, where stalls are recorded (the worker's). Default: retried for ever. */
  inPlace?: (at: MessageAt, event: EventV2 | null) => InPlaceOptions;
  logger: Logger;
}

type Triaged = { index: number; message: KafkaMessage; triage: Triage };
type HandledHere = Triaged & { triage: Exclude<Triage, { lane: 'bulk' }> };

/** One batch in hand: where it is from, and how its messages report that they are done. */
interface BatchRun {
  payload: EachBatchPayload;
  /** Marks message `index` done, resolving the offsets that are now done without a gap. */
  done: (index: number) => void;
  /** False once the worker stops, the partition is taken away, or the other side of the batch failed. */
  alive: () => boolean;
}

/**
 * Handles the fast-lane and invalid messages side by side, up to `deliveriesInFlight`
 * deliveries and each key's in order (./run-by-key.ts), each retried in place.
 */
async function handleHere(deps: TriageBatchDeps, run: BatchRun, triaged: Triaged[]): Promise<void> {
  const { topic, partition } = run.payload.batch;
  const here = triaged.filter((t): t is HandledHere => t.triage.lane !== 'bulk').map((t) => ({ ...t, key: keyOf(t.message), weight: t.triage.lane === 'invalid' ? 1 : weightOf(t.triage.event) }));
  await runByKey(here, {
    limit: deps.deliveriesInFlight,
    alive: run.alive,
    work: ({ index, message, triage: t }) => {
      const at = { topic, partition, message };
      const work = () => (t.lane === 'fast' ? deps.handleValid(at, t.event) : deps.rejectInvalid(at, t.failure));
      const options = deps.inPlace?.(at, t.lane === 'fast' ? t.event : null) ?? { logger: deps.logger };
      return handleInPlace(run.payload, { topic, partition, offset: message.offset }, work, () => run.done(index), options);
    },
  });
}

/** Forwards the bulk messages in order, a few produce requests per batch, each retried in place. */
async function forward(deps: TriageBatchDeps, run: BatchRun, bulk: Triaged[]): Promise<void> {
  const { topic, partition } = run.payload.batch;
  for (const chunk of chunkForSend(bulk, (t) => messageBytes(t.message), deps.forwardLimits ?? DEFAULT_FORWARD_LIMITS)) {
    if (!run.alive()) return;
    const messages = chunk.map((t) => forwardedMessage({ topic, partition }, t.message));
    const send = () => deps.producer().send({ topic: deps.bulkTopic, acks: -1, messages });
    // The broker not taking writes is our own outage: waited out in place, never given up, but shown in readiness.
    const at = { topic, partition, offset: chunk[0]!.message.offset };
    const stalls = deps.inPlace?.({ topic, partition, message: chunk[0]!.message }, null).stalls;
    let sent: boolean;
    try {
      sent = await retryInPlace(run.payload, send, (error, attempt, delayMs) => {
        stalls?.failed(at, error);
        deps.logger.error(`forwarding to the bulk lane failed; retrying in place (check that topic ${deps.bulkTopic} exists and the brokers accept writes)`, {
          topic,
          partition,
          firstOffset: at.offset,
          count: chunk.length,
          attempt,
          delayMs,
          error: describeError(error),
        });
      });
    } finally {
      stalls?.cleared(at);
    }
    if (!sent) return;
    for (const t of chunk) run.done(t.index);
  }
}

/** 1000 messages or 512 KiB per forwarding request, whichever comes first. */
const DEFAULT_FORWARD_LIMITS: SendLimits = { maxCount: 1000, maxBytes: 512 * 1024 };

/**
 * The intake consumer's `eachBatch` (see the design in ./triage.ts): triages the batch, then handles
 * its fast-lane and invalid messages one by one while forwarding its bulk messages in chunks, both at
 * once. Each offset is resolved when every message up to it is done, so progress is committed as it
 * comes: a critical event is not held until the forwarding of the whole batch finished.
 */
export function createTriageBatch(deps: TriageBatchDeps) {
  return async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    const triaged = messages.map((message, index) => ({ index, message, triage: triage(message.value, deps.fastLane, message.headers) }));
    const bulk = triaged.filter((t) => t.triage.lane === 'bulk');
    const progress = createInOrderOffsets(messages.map((m) => m.offset));
    // If one side throws (a heartbeat refused in a rebalance), the other stops too before the batch returns.
    const failures: unknown[] = [];
    const run: BatchRun = {
      payload,
      done: (index) => {
        const offset = progress.complete(index);
        if (offset !== undefined) payload.resolveOffset(offset);
      },
      alive: () => failures.length === 0 && payload.isRunning() && !payload.isStale(),
    };
    const stopKeepAlive = keepAlive(payload, deps.logger);
    try {
      const remember = (error: unknown) => void failures.push(error);
      await Promise.all([handleHere(deps, run, triaged).catch(remember), forward(deps, run, bulk).catch(remember)]);
    } finally {
      stopKeepAlive();
    }
    if (failures.length > 0) throw failures[0];
    // One line per batch, not per event: a flood would otherwise log 100,000 lines saying the same.
    if (bulk.length > 0) deps.logger.info('forwarded to the bulk lane', { decision: 'forwarded', topic, partition, count: bulk.length, done: progress.settled(), of: messages.length, bulkTopic: deps.bulkTopic });
    await payload.commitOffsetsIfNecessary();
  };
}
