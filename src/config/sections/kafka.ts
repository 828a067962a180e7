import { z } from 'zod';
import { DEFAULT_FAST_LANE, PRIORITIES } from '../../contract/vocabulary';
import { positiveInt } from '../fields';

const topicsSchema = z
  .object({
    incoming: z.string().min(1).default('notifications.incoming').describe('Topic producers write events to.'),
    dlq: z.string().min(1).default('notifications.dlq').describe('Dead-letter topic: invalid events and deliveries that failed for good.'),
    status: z.string().min(1).default('notifications.status').describe('Topic of every delivery status change.'),
    bulk: z
      .string()
      .min(1)
      .default('notifications.incoming.bulk')
      .describe('Lane of the priorities not in `fastLane`: forwarded here at intake, consumed by its own consumer group.'),
  })
  .strict()
  .prefault({})
  .describe('Topic names.');

/** The `kafka` block: topics, partitions and how a worker consumes them. */
export const kafkaSchema = z
  .object({
    clientId: z.string().min(1).default('herald').describe('Client id reported to the broker.'),
    topics: topicsSchema,
    partitions: positiveInt.max(1000).default(6).describe('Partitions of the topics herald creates when they are missing.'),
    replicationFactor: positiveInt
      .max(10)
      .default(1)
      .describe('Replication factor of the topics herald creates. 1 suits a single broker; use 3 in production.'),
    fastLane: z
      .array(z.enum(PRIORITIES))
      .min(1)
      .default([...DEFAULT_FAST_LANE])
      .describe(
        'Priorities handled straight from the incoming topic; the others are forwarded to `topics.bulk` and handled there, so a ' +
          'flood of them never delays these.',
      ),
    partitionsConsumedConcurrently: positiveInt.max(100).default(3).describe('Partitions one worker handles at the same time.'),
    deliveriesInFlight: positiveInt
      .max(10_000)
      .default(128)
      .describe(
        'Deliveries (distinct recipients × channels) the messages of one partition may have in flight between them; the messages run side by side, ' +
          "each key's in order (one recipient's events keep their order), and one message with more deliveries than this runs alone. " +
          'The default, 128, is 64 two-channel events to one recipient each; 1 handles a partition one message at a time.',
      ),
    sessionTimeoutMs: positiveInt.default(30_000).describe('Consumer session timeout, in ms.'),
    maxHandlingFailures: positiveInt
      .max(1_000)
      .default(5)
      .describe(
        'Failures in a row of the same kind, none of them Kafka or Redis being unreachable, after which a valid event is dead-lettered (`handling_failed`) ' +
          'instead of retried in place again: no retry cures a bug or a corrupt record, and waiting on it holds its partition. The default, 5, is about 4 s.',
      ),
    stuckAfterMs: positiveInt
      .default(60_000)
      .describe('A partition waiting on one message retried in place for longer than this, in ms, makes `/readyz` answer 503 with where and why.'),
  })
  .strict()
  .prefault({})
  .describe('Kafka topics and how each worker consumes them.');
