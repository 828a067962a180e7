import type { Kafka } from 'kafkajs';
import type { HeraldConfig } from '../config/schema';
import type { Logger } from '../shared/logger';

/**
 * Creates herald's topics (incoming, bulk lane, DLQ, status: every entry of `kafka.topics`) when they
 * are missing, all with `kafka.partitions` partitions; existing topics are left as they are. Brokers
 * have `auto.create.topics.enable=false` in our stack, so this runs at start. The bulk lane gets as
 * many partitions as intake so that it drains a flood with the same parallelism.
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
