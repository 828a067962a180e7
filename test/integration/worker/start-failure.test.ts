import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadEnv } from '../../../src/config/env';
import { startService } from '../../../src/service/start-service';
import { TEST_BROKERS, TEST_REDIS_URL, testKafka, testLogger, uniqueName } from '../../support/infra';
import { isolatedConfig } from '../../support/service-harness';

describe('a start-up that fails half-way', () => {
  it('rejects with the cause and leaves no member in the consumer group and no open handles behind', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const groupId = uniqueName('group');
    const env = loadEnv({
      KAFKA_BROKERS: TEST_BROKERS.join(','),
      REDIS_URL: TEST_REDIS_URL,
      KAFKA_GROUP_ID: groupId,
      HTTP_PORT: String(port),
      HERALD_API_KEYS: 'k',
    });
    try {
      await expect(startService({ env, config: isolatedConfig(), logger: testLogger(), redisPrefix: uniqueName('herald') })).rejects.toThrow(/EADDRINUSE/);
      const admin = testKafka().admin();
      await admin.connect();
      const { groups } = await admin.describeGroups([groupId]);
      await admin.disconnect();
      expect(groups[0]!.members).toHaveLength(0);
    } finally {
      blocker.close();
    }
  });
});
