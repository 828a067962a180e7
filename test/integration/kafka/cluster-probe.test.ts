import { createServer, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { createClusterProbe } from '../../../src/kafka/cluster-probe';
import { freePort, testKafka, uniqueName } from '../../support/infra';

describe('cluster probe of /metrics and /readyz', () => {
  it('connects at the first question, reads every group and the brokers, and disconnects on close', async () => {
    const kafka = testKafka();
    const topic = uniqueName('lag-source');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
    const source = createClusterProbe(kafka, [{ groupId: uniqueName('group'), topic }]);

    const rows = await source.lag();

    expect(rows).toEqual([expect.objectContaining({ topic, partition: 0, committed: null, end: '0', lag: 0 })]);
    expect(await source.brokers()).toBe(1);
    await source.close();
  });

  it('rejects while the brokers cannot be reached, connects again on the next read (not stuck on the failed connect), and closes cleanly', async () => {
    const port = await freePort();
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${port}`],
      clientId: uniqueName('client'),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 300,
      requestTimeout: 300,
    });
    const source = createClusterProbe(kafka, [{ groupId: 'g', topic: 't' }]);

    await expect(source.lag()).rejects.toThrow(/ECONNREFUSED/);
    await expect(source.brokers()).rejects.toThrow(/ECONNREFUSED/);
    // Something now listens there but hangs up at once: the second read's own attempt fails differently.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => socket.destroy());
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const second = source.lag();
      await expect(second).rejects.toThrow();
      await expect(second).rejects.not.toThrow(/ECONNREFUSED/);
      expect(sockets.size).toBeGreaterThan(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await expect(source.close()).resolves.toBeUndefined();
  });
});
