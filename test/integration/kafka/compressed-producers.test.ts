import { execFileSync } from 'node:child_process';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { captureLogger } from '../../support/capture-logger';
import { eventually, testKafka, uniqueName } from '../../support/infra';
import { startTestService, type TestService } from '../../support/service-harness';
import { inboxEventIds, isolatedLanes, putUser } from '../worker/time-support';

/**
 * A producer that compresses its batches with zstd, a codec kafkajs cannot read by itself. Before,
 * one such message crashed herald's consumer ("KafkaJSNotImplemented: ZSTD compression not
 * implemented"): it left its group, /readyz stayed unready, and nothing on the topic was delivered
 * again, restart or not (found by probing past the hostile-input suite). The producer runs in a
 * process of its own, so the codec it needs is not one herald's process has.
 */
const ZSTD_PRODUCER = `
const { Kafka, CompressionCodecs, CompressionTypes, logLevel } = require('kafkajs');
const { zstdCompressSync, zstdDecompressSync } = require('node:zlib');
CompressionCodecs[CompressionTypes.ZSTD] = () => ({ compress: async (e) => zstdCompressSync(e.buffer), decompress: async (b) => zstdDecompressSync(b) });
const [topic, key, value] = process.argv.slice(1);
(async () => {
  const producer = new Kafka({ brokers: [process.env.KAFKA_BROKERS || '127.0.0.1:9092'], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, compression: CompressionTypes.ZSTD, messages: [{ key, value }] });
  await producer.disconnect();
})().catch((error) => { console.error(error); process.exit(1); });
`;

function produceZstd(topic: string, key: string, value: string): void {
  execFileSync(process.execPath, ['-e', ZSTD_PRODUCER, topic, key, value], { cwd: process.cwd(), stdio: 'inherit' });
}

const event = (user: string) => ({
  version: 2,
  id: uniqueName('zstd'),
  type: 'alert',
  priority: 'critical',
  recipients: [user],
  channels: ['in_app'],
  payload: { title: 'Hi', message: 'zstd' },
  createdAt: new Date().toISOString(),
});

describe('producers that compress their batches', () => {
  let admin: Admin;
  const running: TestService[] = [];

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const service of running) await service.stop();
    await admin.disconnect();
  });

  async function compressionOf(topic: string): Promise<string | undefined> {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['compression.type'] }],
    });
    return resources[0]?.configEntries.find((e) => e.configName === 'compression.type')?.configValue;
  }

  it('herald creates the topics it consumes with compression.type=uncompressed, so the broker hands it every batch in a form it reads', async () => {
    const herald = await startTestService({ config: isolatedLanes({ kafka: { partitions: 1 } }) });
    running.push(herald);
    expect(await compressionOf(herald.config.kafka.topics.incoming)).toBe('uncompressed');
    expect(await compressionOf(herald.config.kafka.topics.bulk)).toBe('uncompressed');
  });

  it('on a topic that keeps the producer’s compression, a zstd batch is read and delivered, and the next event too', async () => {
    const config = isolatedLanes({ kafka: { partitions: 1 } });
    // Created beforehand as operators often do, keeping whatever codec each producer chose.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: config.kafka.topics.incoming, numPartitions: 1, configEntries: [{ name: 'compression.type', value: 'producer' }] }],
    });
    const { logger, text } = captureLogger();
    const herald = await startTestService({ config, logger });
    running.push(herald);
    const user = uniqueName('user');
    await putUser(herald.service, user, {});
    const [zstd, next] = [event(user), event(user)];
    produceZstd(config.kafka.topics.incoming, user, JSON.stringify(zstd));
    produceZstd(config.kafka.topics.incoming, user, JSON.stringify(next));
    await eventually(async () => (await inboxEventIds(herald.service, user)).includes(next.id), 'both zstd events to be delivered', 20_000);
    expect(await inboxEventIds(herald.service, user)).toContain(zstd.id);
    expect(text()).not.toContain('not implemented');
    // The topic would still take snappy or lz4 as is: herald says so at start, with the setting to change.
    expect(text()).toContain(`topic ${config.kafka.topics.incoming} has compression.type=producer`);
  });
});
