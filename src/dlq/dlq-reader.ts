import { randomBytes } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { deadLetterSchema, type DeadLetter } from '../contract/dead-letter';

/** One message read from the DLQ topic: where it is, and the letter (or why it does not parse). */
export interface StoredLetter {
  /** `<partition>:<offset>`: the letter's id for `herald dlq show` and `replay --id`. */
  id: string;
  partition: number;
  offset: string;
  /** Kafka timestamp of the DLQ message, epoch ms. */
  timestamp: number;
  key: string | null;
  letter: DeadLetter | null;
  /** Why the value is not a dead letter (written by something other than herald?). */
  unreadable?: string;
}

/** What to read: a time range and/or exact positions. */
export interface ReadRange {
  /** Only letters written at or after this instant (epoch ms). */
  since?: number;
  /** Only these partitions (every one by default). */
  partitions?: number[];
  /** Start here in each partition instead (e.g. one letter: its offset, with `partitions`). */
  fromOffset?: string;
  /** Stop after this many messages in each partition (`show` reads one). */
  maxPerPartition?: number;
}

/** Parses a DLQ message value. */
export function readLetter(value: Buffer | null): { letter: DeadLetter } | { unreadable: string } {
  let json: unknown;
  try {
    json = JSON.parse(value?.toString('utf8') ?? '');
  } catch {
    return { unreadable: 'the value is not JSON' };
  }
  const parsed = deadLetterSchema.safeParse(json);
  return parsed.success ? { letter: parsed.data } : { unreadable: `not a herald dead letter (${parsed.error.issues[0]?.path.join('.') || '(root)'}: ${parsed.error.issues[0]?.message})` };
}

/**
 * Reads the DLQ topic between fixed bounds without touching the service's consumer groups: the end
 * of each partition is read first, so the read finishes even while letters keep arriving, and a
 * throwaway group (`herald-cli-<random>`, never committed, deleted afterwards) does the fetching:
 * kafkajs has no group-less consumer.
 */
export async function readDeadLetters(options: { kafka: Kafka; admin: Admin; topic: string; range?: ReadRange; onProgress?: (read: number, total: number) => void }): Promise<StoredLetter[]> {
  const { admin, topic, range = {} } = options;
  const bounds = await partitionBounds(admin, topic, range);
  const total = bounds.reduce((n, b) => n + Number(b.end - b.start), 0);
  if (total === 0) return [];
  const wanted = new Map(bounds.filter((b) => b.end > b.start).map((b) => [b.partition, b]));
  const letters: StoredLetter[] = [];
  const groupId = `herald-cli-${randomBytes(6).toString('hex')}`;
  const consumer = options.kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const pending = new Set(wanted.keys());
      const take = (partition: number, message: KafkaMessage) => {
        const bound = wanted.get(partition);
        if (!bound || !pending.has(partition)) return;
        const offset = BigInt(message.offset);
        if (offset >= bound.start && offset < bound.end) letters.push(stored(partition, message));
        if (offset + 1n >= bound.end) pending.delete(partition);
      };
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) take(batch.partition, message);
            options.onProgress?.(letters.length, total);
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
  return letters.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Where to start and stop in each partition. */
async function partitionBounds(admin: Admin, topic: string, range: ReadRange): Promise<{ partition: number; start: bigint; end: bigint }[]> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    throw new Error(`topic ${topic} does not exist: no dead letter was written yet, or kafka.topics.dlq in the config (or HERALD_CONFIG) names another topic`);
  }
  const offsets = await admin.fetchTopicOffsets(topic);
  const fromTime = range.since === undefined ? null : new Map((await admin.fetchTopicOffsetsByTimestamp(topic, range.since)).map((p) => [p.partition, BigInt(p.offset)]));
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

function stored(partition: number, message: KafkaMessage): StoredLetter {
  const read = readLetter(message.value);
  return {
    id: `${partition}:${message.offset}`,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key?.toString('utf8') ?? null,
    letter: 'letter' in read ? read.letter : null,
    ...('unreadable' in read ? { unreadable: read.unreadable } : {}),
  };
}
