import { readTopicRange, type TopicRange } from '../kafka/read-range';
import type { ConsumedMessage, KafkaAdmin, KafkaClient } from '../kafka/types';
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

/** What to read: a time range and/or exact positions (src/kafka/read-range.ts). */
export type ReadRange = TopicRange;

/** Parses a DLQ message value. */
export function readLetter(value: Buffer | null): { letter: DeadLetter } | { unreadable: string } {
  let json: unknown;
  try {
    json = JSON.parse(value?.toString('utf8') ?? '');
  } catch {
    return { unreadable: 'the value is not JSON' };
  }
  const parsed = deadLetterSchema.safeParse(json);
  return parsed.success
    ? { letter: parsed.data }
    : { unreadable: `not a herald dead letter (${parsed.error.issues[0]?.path.join('.') || '(root)'}: ${parsed.error.issues[0]?.message})` };
}

/**
 * Reads the dead letters between fixed bounds (src/kafka/read-range.ts: the service's consumer
 * groups are never touched), oldest first.
 */
export async function readDeadLetters(options: {
  kafka: KafkaClient;
  admin: KafkaAdmin;
  topic: string;
  range?: ReadRange;
  onProgress?: (read: number, total: number) => void;
}): Promise<StoredLetter[]> {
  const records = await readTopicRange({
    ...options,
    missing: `no dead letter was written yet, or kafka.topics.dlq in the config (or HERALD_CONFIG) names another topic`,
  });
  const letters = records.map(({ partition, message }) => stored(partition, message));
  return letters.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

function stored(partition: number, message: ConsumedMessage): StoredLetter {
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
