import type { Consumer, EachBatchHandler, Kafka } from 'kafkajs';
import type { HeraldConfig } from '../config/schema';
import type { Logger } from '../shared/logger';

/** Options of {@link createLaneConsumer}. */
export interface LaneConsumerOptions {
  kafka: Kafka;
  /** `intake` (the incoming topic) or `bulk` (the bulk lane), for logs. */
  lane: 'intake' | 'bulk';
  groupId: string;
  topic: string;
  config: Pick<HeraldConfig['kafka'], 'sessionTimeoutMs' | 'partitionsConsumedConcurrently'>;
  eachBatch: EachBatchHandler;
  logger: Logger;
}

/**
 * One consumer group member on one topic, committing resolved offsets only (`eachBatch` resolves
 * each offset once its message is done), so a committed offset never runs ahead of the work.
 */
export function createLaneConsumer(options: LaneConsumerOptions) {
  const { config, logger, lane, groupId } = options;
  let consumer: Consumer | null = null;
  let joined = false;
  return {
    /** Joins the group and starts consuming (returns once the consumer runs, before it has joined). */
    async start(): Promise<void> {
      const member = options.kafka.consumer({
        groupId,
        sessionTimeout: config.sessionTimeoutMs,
        heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
        // A stop waits for the fetch in flight; a 1 s long-poll (kafkajs default 5 s) keeps SIGTERM prompt.
        // Fetches still return as soon as a message arrives, so latency does not depend on it.
        maxWaitTimeInMs: 1000,
      });
      consumer = member;
      member.on(member.events.GROUP_JOIN, (e) => {
        joined = true;
        logger.info('joined consumer group', { lane, groupId, topic: options.topic, partitions: e.payload.memberAssignment });
      });
      for (const event of [member.events.CRASH, member.events.STOP, member.events.DISCONNECT]) member.on(event, () => (joined = false));
      await member.connect();
      // fromBeginning: a brand-new group must not skip events produced (or forwarded) before it first started.
      await member.subscribe({ topic: options.topic, fromBeginning: true });
      await member.run({
        autoCommit: true,
        autoCommitInterval: 1000,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
        eachBatch: options.eachBatch,
      });
    },
    /** True while this member is in the group with an assignment. */
    isJoined: () => joined,
    /** Stops fetching, lets the batch in hand stop at its next message, commits resolved offsets and leaves the group. */
    async stop(): Promise<void> {
      if (!consumer) return;
      const member = consumer;
      consumer = null;
      await member.disconnect();
      joined = false;
    },
  };
}

/** A lane consumer, as returned by {@link createLaneConsumer}. */
export type LaneConsumer = ReturnType<typeof createLaneConsumer>;
