import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import type { HeraldConfig } from '../config/schema';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';

/**
 * Codecs herald's consumers read: kafkajs's gzip and Node's zstd (./zstd-codec.ts). A batch in
 * snappy or lz4 would crash the consumer on every fetch, stalling its partition for good.
 */
const READABLE = new Set(['uncompressed', 'gzip', 'zstd']);

/**
 * `compression.type` of the topics herald consumes, as it creates them: the broker stores every
 * batch uncompressed whatever codec its producer used, so no producer can send a batch herald cannot
 * read. (A producer's own compression still saves its network; the broker does the decompression.)
 */
const CONSUMED_TOPIC_CONFIG = [{ name: 'compression.type', value: 'uncompressed' }];

/** Warns about each existing consumed topic whose `compression.type` lets a producer store batches herald cannot read. */
async function warnOnUnreadableCompression(admin: Admin, topics: string[], logger: Logger): Promise<void> {
  if (topics.length === 0) return;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['compression.type'] })),
  });
  for (const resource of resources) {
    const value = resource.configEntries.find((e) => e.configName === 'compression.type')?.configValue;
    if (value === undefined || READABLE.has(value)) continue;
    logger.warn(
      `topic ${resource.resourceName} has compression.type=${value}: a batch a producer compressed with snappy or lz4 would stop herald's consumer ` +
        `on that partition for good. ` +
        `Set it to uncompressed (kafka-configs --alter --entity-type topics --entity-name ${resource.resourceName} --add-config ` +
        `compression.type=uncompressed), or gzip or zstd`,
      { topic: resource.resourceName, compressionType: value },
    );
  }
}

/**
 * Creates herald's topics (incoming, bulk lane, DLQ, status: every entry of `kafka.topics`) when they
 * are missing, all with `kafka.partitions` partitions; existing topics are left as they are. Brokers
 * have `auto.create.topics.enable=false` in our stack, so this runs at start. The bulk lane gets as
 * many partitions as intake so that it drains a flood with the same parallelism. The two topics herald
 * consumes are created with `compression.type=uncompressed`; an existing one whose setting lets a
 * producer store a codec herald cannot read is warned about.
 */
export async function ensureTopics(kafka: Kafka, config: HeraldConfig['kafka'], logger: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const consumed = new Set([config.topics.incoming, config.topics.bulk]);
    // Only a warning: a principal without DescribeConfigs on the topic must still start.
    await warnOnUnreadableCompression(
      admin,
      [...consumed].filter((t) => existing.has(t)),
      logger,
    ).catch((error: unknown) =>
      logger.warn('could not read the compression.type of the consumed topics; check it is uncompressed, gzip or zstd', { error: describeError(error) }),
    );
    const wanted = Object.values(config.topics).filter((t) => !existing.has(t));
    if (wanted.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: wanted.map((topic) => ({
        topic,
        numPartitions: config.partitions,
        replicationFactor: config.replicationFactor,
        ...(consumed.has(topic) ? { configEntries: CONSUMED_TOPIC_CONFIG } : {}),
      })),
    });
    logger.info('created topics', { topics: wanted, partitions: config.partitions });
  } finally {
    await admin.disconnect();
  }
}
