import type { Admin, Kafka } from 'kafkajs';
import type { HeraldConfig } from '../../src/config/schema';
import { ensureTopics } from '../../src/kafka/ensure-topics';
import { createLogger } from '../../src/shared/logger';
import { highWatermarks } from './dead-letters';
import { retryKafka } from './kafka-retry';

/**
 * Creates the demo topics and makes sure `groupId` starts at their end: events left unhandled by
 * an interrupted run would otherwise be handled now, against the Redis state this run just
 * cleared. After a clean run there is nothing to skip, and the offset commit (slow: kafkajs joins
 * the group to do it) is not needed. Offsets are explicit: `resetOffsets` commits -1, which the
 * worker, subscribed `fromBeginning`, reads as "start from the earliest".
 */
export async function prepareTopics(kafka: Kafka, admin: Admin, config: HeraldConfig, groupId: string): Promise<void> {
  await ensureTopics(kafka, config.kafka, createLogger('error', true));
  const topic = config.kafka.topics.incoming;
  const [ends, [committed]] = await Promise.all([highWatermarks(admin, topic), retryKafka(() => admin.fetchOffsets({ groupId, topics: [topic] }))]);
  const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  const behind = [...ends].filter(([partition, end]) => end > 0 && (at.get(partition) ?? -1) < end);
  if (behind.length === 0) return;
  try {
    await retryKafka(() => admin.setOffsets({ groupId, topic, partitions: behind.map(([partition, end]) => ({ partition, offset: String(end) })) }));
    console.log(`  (skipped events an interrupted run left on ${behind.length} partition(s) of ${topic})`);
  } catch (error) {
    console.log(`  (could not skip events an interrupted run left on ${topic}: ${(error as Error).message}; is another demo running?)`);
  }
}
