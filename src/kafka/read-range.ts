import { randomBytes } from 'node:crypto';
import type { ConsumedMessage, KafkaAdmin, KafkaClient } from './types';

/** What to read of a topic: a time range and/or exact positions. */
export interface TopicRange {
  /** Only messages written at or after this instant (epoch ms). */
  since?: number;
  /** Only these partitions (every one by default). */
  partitions?: number[];
  /** Start here in each partition instead (e.g. one message: its offset, with `partitions`). */
  fromOffset?: string;
  /** Stop after this many messages in each partition (`dlq show` reads one). */
  maxPerPartition?: number;
}

/**
 * Reads a topic between fixed bounds without touching anyone's consumer group: the end of each
 * partition is read first, so the read finishes even while messages keep arriving, and a throwaway
 * group (`herald-cli-<random>`, never committed, deleted afterwards) does the fetching: kafkajs has
 * no group-less consumer. `missing` says why the topic may not exist, for the error when it does not.
 */
export async function readTopicRange(options: {
  kafka: KafkaClient;
  admin: KafkaAdmin;
  topic: string;
  range?: TopicRange;
  missing: string;
  onProgress?: (read: number, total: number) => void;
}): Promise<{ partition: number; message: ConsumedMessage }[]> {
  const { admin, topic, range = {} } = options;
  const bounds = await partitionBounds(admin, topic, range, options.missing);
  const total = bounds.reduce((n, b) => n + Number(b.end - b.start), 0);
  if (total === 0) return [];
  const wanted = new Map(bounds.filter((b) => b.end > b.start).map((b) => [b.partition, b]));
  const records: { partition: number; message: ConsumedMessage }[] = [];
  const groupId = `herald-cli-${randomBytes(6).toString('hex')}`;
  const consumer = options.kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const pending = new Set(wanted.keys());
      const take = (partition: number, message: ConsumedMessage) => {
        const bound = wanted.get(partition);
        if (!bound || !pending.has(partition)) return;
        const offset = BigInt(message.offset);
        if (offset >= bound.start && offset < bound.end) records.push({ partition, message });
        if (offset + 1n >= bound.end) pending.delete(partition);
      };
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) take(batch.partition, message);
            options.onProgress?.(records.length, total);
            if (pending.size === 0) resolve();
          },
        })
        .then(() => {
          for (const b of wanted.values()) consumer.seek({ topic, partition: b.partition, offset: b.start.toString() });
        })
        .catch(reject);
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    // Nothing was committed, so the group holds no offsets; deleting it keeps tooling lists clean.
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return records;
}

/** Where to start and stop in each partition. */
async function partitionBounds(
  admin: KafkaAdmin,
  topic: string,
  range: TopicRange,
  missing: string,
): Promise<{ partition: number; start: bigint; end: bigint }[]> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    throw new Error(`topic ${topic} does not exist: ${missing}`);
  }
  const offsets = await admin.fetchTopicOffsets(topic);
  const fromTime =
    range.since === undefined ? null : new Map((await admin.fetchTopicOffsetsByTimestamp(topic, range.since)).map((p) => [p.partition, BigInt(p.offset)]));
  return offsets
    .filter((p) => !range.partitions || range.partitions.includes(p.partition))
    .map((p) => {
      const low = BigInt(p.low);
      const high = BigInt(p.high);
      let start = low;
      if (fromTime) {
        // -1: nothing written at or after `since` in this partition.
        const at = fromTime.get(p.partition) ?? -1n;
        start = at < 0n ? high : at;
      }
      if (range.fromOffset !== undefined) start = BigInt(range.fromOffset);
      if (start < low) start = low;
      let end = high;
      if (range.maxPerPartition !== undefined && start + BigInt(range.maxPerPartition) < end) end = start + BigInt(range.maxPerPartition);
      return { partition: p.partition, start, end: end < start ? start : end };
    });
}
