import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeClusterPorts, startRedisCluster, type RunningRedisCluster } from '../../scripts/redis-cluster';
import type { RedisClient } from '../../src/redis/commands';
import { createRedisClient } from '../../src/redis/redis-client';

/** A Redis Cluster of a test's own: three masters on free loopback ports, in a temporary folder. */
export interface TestCluster {
  cluster: RunningRedisCluster;
  /** The value of REDIS_CLUSTER_NODES for it. */
  nodesEnv: string;
  /** A cluster client built the way the service builds it. */
  client(): RedisClient;
  /** Closes the clients made by client(), stops the nodes and removes their folder. */
  stop(): Promise<void>;
}

/** Starts a three-master cluster for one test file (a few seconds). */
export async function startTestCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-cluster-'));
  const cluster = await startRedisCluster({ ports: await freeClusterPorts(3), dir });
  const clients: RedisClient[] = [];
  const nodesEnv = cluster.nodes.join(',');
  return {
    cluster,
    nodesEnv,
    client() {
      const client = createRedisClient(
        { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: cluster.nodes },
        { maxRetriesPerRequest: 3, enableOfflineQueue: true },
      );
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The hash slot of `key`, as the cluster computes it. */
export async function slotOf(redis: RedisClient, key: string): Promise<number> {
  return Number(await redis.cluster('KEYSLOT', key));
}
