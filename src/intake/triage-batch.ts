import type { Priority } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import type { ParseResult } from '../contract/parse-event';
import type { ConsumedMessage, MessageSink, PartitionBatch } from '../kafka/types';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { runPartitionTurn, type MessageAt, type TurnControls, type TurnWork } from './partition-turn';
import { retryInPlace, type InPlaceOptions } from './retry-in-place';
import { weightOf } from './run-by-key';
import { chunkForSend, forwardedMessage, messageBytes, triage, type SendLimits, type Triage } from './triage';

export type { MessageAt } from './partition-turn';

/** Dependencies of {@link createTriageBatch}. */
export interface TriageBatchDeps {
  /** Priorities handled here (`kafka.fastLane`); the others are forwarded. */
  fastLane: readonly Priority[];
  /** The bulk lane (`kafka.topics.bulk`). */
  bulkTopic: string;
  /** The idempotent producer that forwards (looked up per batch: the worker may create it at start). */
  producer: () => MessageSink;
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

type Triaged = { index: number; message: ConsumedMessage; triage: Triage };

/** Forwards the bulk messages in order, a few produce requests per batch, each retried in place. */
async function forward(deps: TriageBatchDeps, payload: PartitionBatch, run: TurnControls, bulk: Triaged[]): Promise<void> {
  const { topic, partition } = payload.batch;
  for (const chunk of chunkForSend(bulk, (t) => messageBytes(t.message), deps.forwardLimits ?? DEFAULT_FORWARD_LIMITS)) {
    if (!run.alive()) return;
    const messages = chunk.map((t) => forwardedMessage({ topic, partition }, t.message));
    const send = () => deps.producer().send({ topic: deps.bulkTopic, acks: -1, messages });
    // The broker not taking writes is our own outage: waited out in place, never given up, but shown in readiness.
    const first = { topic, partition, offset: chunk[0]!.message.offset };
    const stalls = deps.inPlace?.({ topic, partition, message: chunk[0]!.message }, null).stalls;
    let sent: boolean;
    try {
      sent = await retryInPlace(payload, send, (error, attempt, delayMs) => {
        stalls?.failed(first, error);
        deps.logger.error(`forwarding to the bulk lane failed; retrying in place (check that topic ${deps.bulkTopic} exists and the brokers accept writes)`, {
          topic,
          partition,
          firstOffset: first.offset,
          count: chunk.length,
          attempt,
          delayMs,
          error: describeError(error),
        });
      });
    } finally {
      stalls?.cleared(first);
    }
    if (!sent) return;
    for (const t of chunk) run.done(t.index);
  }
}

/** 1000 messages or 512 KiB per forwarding request, whichever comes first. */
const DEFAULT_FORWARD_LIMITS: SendLimits = { maxCount: 1000, maxBytes: 512 * 1024 };

/**
 * The intake consumer's `eachBatch` (see the design in ./triage.ts): triages the batch, then handles
 * its fast-lane and invalid messages while forwarding its bulk messages in chunks, both at once, in
 * one partition turn (./partition-turn.ts). Each offset is resolved when every message up to it is
 * done, so progress is committed as it comes: a critical event is not held until the forwarding of
 * the whole batch finished.
 */
export function createTriageBatch(deps: TriageBatchDeps) {
  return async function eachBatch(payload: PartitionBatch): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    const triaged: Triaged[] = messages.map((message, index) => ({ index, message, triage: triage(message.value, deps.fastLane, message.headers) }));
    const bulk = triaged.filter((t) => t.triage.lane === 'bulk');
    const handled = triaged.flatMap((t): TurnWork[] => {
      const lane = t.triage;
      if (lane.lane === 'bulk') return [];
      const at = { topic, partition, message: t.message };
      const work = () => (lane.lane === 'fast' ? deps.handleValid(at, lane.event) : deps.rejectInvalid(at, lane.failure));
      const inPlace = deps.inPlace?.(at, lane.lane === 'fast' ? lane.event : null) ?? { logger: deps.logger };
      return [{ index: t.index, message: t.message, weight: lane.lane === 'invalid' ? 1 : weightOf(lane.event), work, inPlace }];
    });
    const { settled } = await runPartitionTurn(payload, {
      limit: deps.deliveriesInFlight,
      logger: deps.logger,
      handled,
      alongside: (run) => forward(deps, payload, run, bulk),
    });
    // One line per batch, not per event: a flood would otherwise log 100,000 lines saying the same.
    if (bulk.length > 0)
      deps.logger.info('forwarded to the bulk lane', {
        decision: 'forwarded',
        topic,
        partition,
        count: bulk.length,
        done: settled,
        of: messages.length,
        bulkTopic: deps.bulkTopic,
      });
  };
}
