import type { Admin } from 'kafkajs';
import { testKafka, uniqueName } from './infra';

/** A message read back from a topic, value parsed as JSON. */
export interface ReadMessage {
  key: string | null;
  value: any;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Reads up to `atLeast` messages from the start of `topic` with a throwaway group (never the
 * service's), waiting at most `timeoutMs`. Ordered by partition, then offset.
 */
export async function readTopic(topic: string, atLeast: number, timeoutMs = 10_000): Promise<ReadMessage[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('reader') });
  const out: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          out.push({
            key: message.key?.toString() ?? null,
            value: message.value ? JSON.parse(message.value.toString()) : null,
            headers,
            partition,
            offset: message.offset,
          });
          if (out.length >= atLeast) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** How many messages `topic` holds (sum of its partitions' high watermarks; nothing is deleted in tests). */
export async function countTopic(topic: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Every message `topic` holds right now (see {@link countTopic}), read with a throwaway group. */
export async function readWholeTopic(topic: string): Promise<ReadMessage[]> {
  const total = await countTopic(topic);
  return total === 0 ? [] : readTopic(topic, total, 20_000);
}

/** The offset `groupId` committed on partition 0 of `topic` (-1 when none): the one-partition tests' whole story. */
export async function committedOffset(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [found] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Number(found!.partitions[0]!.offset);
}
