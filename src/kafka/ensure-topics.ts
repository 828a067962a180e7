import type { Kafka } from 'kafkajs';
import type { HeraldConfig } from '../config/schema';
import type { Logger } from '../logger';

/**
 * Creates herald's topics (incoming, DLQ, status) when they are missing; existing topics are
 * left as they are. Brokers have `auto.create.topics.enable=false` in our stack, so this runs at start.
 */
export async function ensureTopics(kafka: Kafka, config: HeraldConfig['kafka'], logger: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = Object.values(config.topics).filter((t) => !existing.has(t));
    if (wanted.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: wanted.map((topic) => ({ topic, numPartitions: config.partitions, replicationFactor: config.replicationFactor })),
    });
    logger.info('created topics', { topics: wanted, partitions: config.partitions });
  } finally {
    await admin.disconnect();
  }
}
