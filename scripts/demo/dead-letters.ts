import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { DeadLetter } from '../../src/dlq/dlq-publisher';
import { DemoError } from './failure';
import { retryKafka } from './kafka-retry';

/** Next offset of each partition of a topic: what "the end of the topic" was at one moment. */
export type Watermarks = Map<number, number>;

/** One dead letter read back from the DLQ topic. */
export interface ReadLetter {
  partition: number;
  offset: string;
  letter: DeadLetter;
}

/** The current end of every partition of `topic`. */
export async function highWatermarks(admin: Admin, topic: string): Promise<Watermarks> {
  const offsets = await retryKafka(() => admin.fetchTopicOffsets(topic));
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

function countSince(since: Watermarks, now: Watermarks): number {
  let count = 0;
  for (const [partition, high] of now) count += Math.max(0, high - (since.get(partition) ?? 0));
  return count;
}

/**
 * Waits until at least `atLeast` messages were written to `topic` after `since`.
 * @returns how many were written.
 */
export async function waitForDeadLetters(admin: Admin, topic: string, since: Watermarks, atLeast: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = countSince(since, await highWatermarks(admin, topic));
    if (count >= atLeast) return count;
    if (Date.now() > deadline)
      throw new DemoError(
        `Expected ${atLeast} dead letter(s) on ${topic} within ${timeoutMs / 1000}s, found ${count}. Run LOG_LEVEL=info npm run demo to see why.`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Reads the `count` dead letters written after `since`, as on-call would: a consumer with a
 * throwaway group reading from the beginning (the topic keeps earlier runs' letters; those are
 * skipped by offset). The group is deleted afterwards so runs leave nothing behind.
 */
export async function readDeadLetters(kafka: Kafka, admin: Admin, topic: string, since: Watermarks, count: number, timeoutMs: number): Promise<ReadLetter[]> {
  const groupId = `herald-demo-dlq-reader-${randomBytes(3).toString('hex')}`;
  const consumer = kafka.consumer({ groupId });
  const letters: ReadLetter[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new DemoError(`Read ${letters.length} of ${count} dead letters from ${topic} within ${timeoutMs / 1000}s; is the broker healthy?`)),
        timeoutMs,
      );
      const run = consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (Number(message.offset) < (since.get(partition) ?? 0)) return;
          letters.push({ partition, offset: message.offset, letter: JSON.parse(message.value?.toString('utf8') ?? 'null') as DeadLetter });
          if (letters.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
      run.catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return letters.sort((a, b) => a.letter.failedAt.localeCompare(b.letter.failedAt));
}
