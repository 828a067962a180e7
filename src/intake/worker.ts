import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Clock } from '../clock';
import type { HeraldConfig } from '../config/schema';
import { parseEvent } from '../contract/parse-event';
import type { DlqPublisher } from '../dlq/dlq-publisher';
import { describeError } from '../errors';
import type { Logger } from '../logger';
import type { EventHandler } from './handle-event';

/** Dependencies of {@link createWorker}. */
export interface WorkerDeps {
  kafka: Kafka;
  groupId: string;
  config: HeraldConfig['kafka'];
  handleEvent: EventHandler;
  dlq: DlqPublisher;
  clock: Clock;
  logger: Logger;
  /** Observes each consumed message (metrics). */
  observe?: (info: { outcome: 'accepted' | 'duplicate' | 'invalid'; reason?: string; priority?: string; createdAt?: string }) => void;
}

/**
 * The consumer group on `notifications.incoming`. Offsets are resolved one message at a time and
 * only after the message is fully handled (dispatched, batched or dead-lettered); kafkajs commits
 * resolved offsets only, so a committed offset never runs ahead of the work. When our own storage
 * fails, the message is retried in place with backoff, holding its partition rather than skipping it.
 */
export function createWorker(deps: WorkerDeps) {
  const { config, logger } = deps;
  let consumer: Consumer | null = null;
  let joined = false;

  async function handleMessage(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const parsed = parseEvent(message.value);
    if (!parsed.ok) {
      await deps.dlq.rejectMessage({
        source: { topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, timestamp: new Date(Number(message.timestamp)).toISOString() },
        raw: message.value,
        reason: parsed.code,
        message: parsed.message,
        issues: parsed.issues,
        failedAt: new Date(deps.clock.now()).toISOString(),
      });
      logger.warn('invalid message dead-lettered', { decision: 'dead-lettered', topic, partition, offset: message.offset, reason: parsed.code, error: parsed.message });
      deps.observe?.({ outcome: 'invalid', reason: parsed.code });
      return;
    }
    const { verdict } = await deps.handleEvent(parsed.event, `${topic}/${partition}/${message.offset}`);
    deps.observe?.({ outcome: verdict === 'duplicate' ? 'duplicate' : 'accepted', priority: parsed.event.priority, createdAt: parsed.event.createdAt });
  }

  /** Retries one message until it is handled, the worker stops, or the partition is taken away. */
  async function handleWithRetry(payload: EachBatchPayload, message: KafkaMessage): Promise<boolean> {
    const { topic, partition } = payload.batch;
    for (let failures = 0; ; failures++) {
      try {
        await handleMessage(topic, partition, message);
        return true;
      } catch (error) {
        const delayMs = Math.min(10_000, 250 * 2 ** Math.min(failures, 6));
        logger.error('message handling failed; retrying in place', { topic, partition, offset: message.offset, attempt: failures + 1, delayMs, error: describeError(error) });
        const until = Date.now() + delayMs;
        while (Date.now() < until) {
          if (!payload.isRunning() || payload.isStale()) return false;
          await new Promise((r) => setTimeout(r, Math.min(500, until - Date.now())));
          await payload.heartbeat().catch(() => undefined);
        }
      }
    }
  }

  /**
   * While one message is in hand (a slow provider, a retry wait), keep the group membership alive
   * and commit what is already resolved: otherwise a long send would stall commits of the work
   * finished before it, or cost the partition in a rebalance.
   */
  function keepAlive(payload: EachBatchPayload): () => void {
    const timer = setInterval(() => {
      void payload.heartbeat().catch(() => undefined);
      void payload.commitOffsetsIfNecessary().catch((error: unknown) => logger.warn('offset commit failed; will retry', { error: describeError(error) }));
    }, 1000);
    return () => clearInterval(timer);
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const stopKeepAlive = keepAlive(payload);
    try {
      for (const message of payload.batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        if (!(await handleWithRetry(payload, message))) break;
        payload.resolveOffset(message.offset);
        await payload.heartbeat();
        await payload.commitOffsetsIfNecessary();
      }
    } finally {
      stopKeepAlive();
    }
    await payload.commitOffsetsIfNecessary();
  }

  return {
    /** Joins the group and starts consuming (returns once the consumer runs). */
    async start(): Promise<void> {
      consumer = deps.kafka.consumer({
        groupId: deps.groupId,
        sessionTimeout: config.sessionTimeoutMs,
        heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
        // A stop waits for the fetch in flight; a 1 s long-poll (kafkajs default 5 s) keeps SIGTERM prompt.
        // Fetches still return as soon as a message arrives, so latency does not depend on it.
        maxWaitTimeInMs: 1000,
      });
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        joined = true;
        logger.info('joined consumer group', { groupId: deps.groupId, partitions: e.payload.memberAssignment });
      });
      for (const event of [consumer.events.CRASH, consumer.events.STOP, consumer.events.DISCONNECT]) consumer.on(event, () => (joined = false));
      await consumer.connect();
      // fromBeginning: a brand-new group must not skip events produced before it first started.
      await consumer.subscribe({ topic: config.topics.incoming, fromBeginning: true });
      await consumer.run({ autoCommit: true, autoCommitInterval: 1000, eachBatchAutoResolve: false, partitionsConsumedConcurrently: config.partitionsConsumedConcurrently, eachBatch });
    },
    /** True while this worker is a member of the group with an assignment. */
    isJoined: () => joined,
    /** Stops fetching, lets the message in hand finish, commits resolved offsets and leaves the group. */
    async stop(): Promise<void> {
      if (!consumer) return;
      await consumer.disconnect();
      consumer = null;
      joined = false;
    },
  };
}

/** The worker, as returned by {@link createWorker}. */
export type Worker = ReturnType<typeof createWorker>;
