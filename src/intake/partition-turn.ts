import type { ConsumedMessage, PartitionBatch } from '../kafka/types';
import type { Logger } from '../shared/logger';
import { createInOrderOffsets } from './in-order-offsets';
import { keepAlive } from './keep-alive';
import { handleInPlace, type InPlaceOptions } from './retry-in-place';
import { keyOf, runByKey } from './run-by-key';

/** Where a message is, as the handlers of one batch need it. */
export interface MessageAt {
  topic: string;
  partition: number;
  message: ConsumedMessage;
}

/** One message handled in this turn: its place in the batch, its weight (the deliveries it may make), its work, how it is retried. */
export interface TurnWork {
  index: number;
  message: ConsumedMessage;
  weight: number;
  work: () => Promise<unknown>;
  inPlace: InPlaceOptions;
}

/** What runs beside the handled messages (intake's forward to the bulk lane) may do. */
export interface TurnControls {
  /** Marks message `index` of the batch done, resolving the offsets done without a gap. */
  done(index: number): void;
  /** False once the worker stops, the partition is taken away, or the other side of the turn failed. */
  alive(): boolean;
}

/** How one turn runs. */
export interface TurnOptions {
  /** Most deliveries in flight between the handled messages (`kafka.deliveriesInFlight`). */
  limit: number;
  logger: Logger;
  /** The messages handled here. */
  handled: readonly TurnWork[];
  /** Work beside them over the batch's other messages, reporting each one done. */
  alongside?: (controls: TurnControls) => Promise<void>;
}

/**
 * One partition's batch turn, as both lanes run it: the messages handled here side by side, up to
 * `limit` deliveries between them and each key's in order (./run-by-key.ts), each retried in place
 * (./retry-in-place.ts), while `alongside` (intake's forward) runs at the same time. Each offset is
 * resolved once its message and every one before it are done, and kafkajs commits resolved offsets
 * only, so a committed offset never runs ahead of the work; a keep-alive heartbeats and commits the
 * progress while the turn is in hand. If one side throws (a heartbeat refused in a rebalance), the
 * other stops too before the turn ends. Returns how many messages from the start were settled.
 */
export async function runPartitionTurn(payload: PartitionBatch, turn: TurnOptions): Promise<{ settled: number }> {
  const { topic, partition, messages } = payload.batch;
  const progress = createInOrderOffsets(messages.map((m) => m.offset));
  const failures: unknown[] = [];
  const controls: TurnControls = {
    done: (index) => {
      const offset = progress.complete(index);
      if (offset !== undefined) payload.resolveOffset(offset);
    },
    alive: () => failures.length === 0 && payload.isRunning() && !payload.isStale(),
  };
  const handleAll = () =>
    runByKey(
      turn.handled.map((h) => ({ ...h, key: keyOf(h.message) })),
      {
        limit: turn.limit,
        alive: controls.alive,
        work: (h) => handleInPlace(payload, { topic, partition, offset: h.message.offset }, h.work, () => controls.done(h.index), h.inPlace),
      },
    );
  const stopKeepAlive = keepAlive(payload, turn.logger);
  try {
    const remember = (error: unknown) => void failures.push(error);
    await Promise.all([handleAll().catch(remember), turn.alongside?.(controls).catch(remember)]);
  } finally {
    stopKeepAlive();
  }
  if (failures.length > 0) throw failures[0];
  await payload.commitOffsetsIfNecessary();
  return { settled: progress.settled() };
}
