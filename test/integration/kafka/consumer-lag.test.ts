import type { Admin } from 'kafkajs';
import { ConfigError } from '../../../src/shared/errors';
import { heraldLaneGroups, readConsumerLag } from '../../../src/kafka/consumer-lag';
import { eventually, testKafka, uniqueName } from '../../support/infra';

describe('readConsumerLag on a real broker', () => {
  const kafka = testKafka();
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  /** A fresh topic with 2 partitions holding `counts[p]` messages on partition p. */
  async function topicWith(counts: [number, number]): Promise<string> {
    const topic = uniqueName('lag');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: counts.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ partition, value: `m-${partition}-${i}` }))),
    });
    await producer.disconnect();
    return topic;
  }

  /** A group member reads every message, then commits `offset` on partition 0 only (what it finished). */
  async function consumeAndCommit(groupId: string, topic: string, total: number, offset: string): Promise<void> {
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommit: false, eachMessage: async () => void seen++ });
    await eventually(async () => seen >= total, `${total} messages consumed`);
    await consumer.commitOffsets([{ topic, partition: 0, offset }]);
    await consumer.disconnect();
  }

  it('reports committed offsets, watermarks and lag per partition, and end − earliest for a group that never committed', async () => {
    const topic = await topicWith([5, 3]);
    const reader = uniqueName('group-b-reader');
    const idle = uniqueName('group-a-idle');
    await consumeAndCommit(reader, topic, 8, '3');

    // Given out of order: rows come back sorted by group, topic, partition.
    const rows = await readConsumerLag(admin, [
      { groupId: reader, topic },
      { groupId: idle, topic },
    ]);

    expect(rows).toEqual([
      { groupId: idle, topic, partition: 0, committed: null, end: '5', lag: 5 },
      { groupId: idle, topic, partition: 1, committed: null, end: '3', lag: 3 },
      { groupId: reader, topic, partition: 0, committed: '3', end: '5', lag: 2 },
      { groupId: reader, topic, partition: 1, committed: null, end: '3', lag: 3 },
    ]);
  });

  it('counts from the earliest message still there once retention deleted the ones below', async () => {
    const topic = await topicWith([5, 4]);
    const reader = uniqueName('group-reader');
    await consumeAndCommit(reader, topic, 9, '1');
    // kafkajs looks the leaders up in metadata this admin must already hold for the topic.
    await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({
      topic,
      partitions: [
        { partition: 0, offset: '4' },
        { partition: 1, offset: '2' },
      ],
    });

    const rows = await readConsumerLag(admin, [{ groupId: reader, topic }]);

    // Partition 0: committed 1, but messages 0-3 are gone: 1 left. Partition 1: never committed, 2 of 4 left.
    expect(rows.map((r) => [r.partition, r.committed, r.end, r.lag])).toEqual([
      [0, '1', '5', 1],
      [1, null, '4', 2],
    ]);
  });

  it('names an unknown topic and says what to check, before kafkajs spends its retries on it', async () => {
    const known = await topicWith([1, 0]);
    const unknown = uniqueName('no-such-topic');
    const started = Date.now();

    const reading = readConsumerLag(admin, [
      { groupId: uniqueName('group'), topic: known },
      { groupId: uniqueName('group'), topic: unknown },
    ]);

    await expect(reading).rejects.toThrow(ConfigError);
    await expect(reading).rejects.toThrow(`topic "${unknown}" does not exist on the brokers; check kafka.topics in the config`);
    await expect(reading).rejects.toThrow(/KAFKA_BROKERS/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reads nothing for no groups, and names herald's two lane groups from the intake group", async () => {
    expect(await readConsumerLag(admin, [])).toEqual([]);
    expect(heraldLaneGroups('herald', { incoming: 'in', bulk: 'in.bulk' })).toEqual([
      { groupId: 'herald', topic: 'in' },
      { groupId: 'herald.bulk', topic: 'in.bulk' },
    ]);
  });
});
