import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Env } from '../config/env';
import type { RedisClient } from './commands';

/** How a caller wants its connection to behave; the same for one Redis and a cluster. */
export interface RedisConnectOptions {
  /** Failed tries of one command before it rejects (ioredis `maxRetriesPerRequest`). */
  maxRetriesPerRequest: number;
  /** Queue commands while (re)connecting instead of rejecting them at once. */
  enableOfflineQueue: boolean;
  /** Connect only on `connect()`. Default false: at once. */
  lazyConnect?: boolean;
  /** Ms to wait for a TCP connection. Default ioredis's (10 s). */
  connectTimeout?: number;
  /** False: one try, no reconnects (the CLI fails fast). Default true: ioredis's backoff. */
  reconnect?: boolean;
  /**
   * Write the commands issued in one turn of the event loop as one pipeline (ioredis
   * `enableAutoPipelining`), in call order on each connection. Default false. The worker turns it on:
   * its deliveries issue a dozen small commands each, and one socket write per command was the
   * largest single cost of its Redis client (BENCHMARKS.md, "Optimizations").
   */
  autoPipelining?: boolean;
}

/** True for a Redis Cluster client; its SCANs, MULTIs and script routing work per node or slot. */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis.isCluster;
}

/**
 * The client the environment names: an ioredis `Cluster` seeded with REDIS_CLUSTER_NODES when it is
 * set (credentials and TLS from REDIS_URL apply to every node), else one `Redis` at REDIS_URL.
 */
export function createRedisClient(env: Pick<Env, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>, options: RedisConnectOptions): RedisClient {
  const { maxRetriesPerRequest, enableOfflineQueue, lazyConnect = false, connectTimeout, reconnect = true, autoPipelining = false } = options;
  const noRetry = reconnect ? {} : { retryStrategy: () => null };
  const shared: RedisOptions = { maxRetriesPerRequest, ...(connectTimeout === undefined ? {} : { connectTimeout }), ...noRetry };
  if (!env.REDIS_CLUSTER_NODES) return new Redis(env.REDIS_URL, { ...shared, lazyConnect, enableOfflineQueue, enableAutoPipelining: autoPipelining });
  const url = new URL(env.REDIS_URL);
  const nodes = env.REDIS_CLUSTER_NODES.map((node) => {
    const at = node.lastIndexOf(':');
    return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
  });
  return new Cluster(nodes, {
    lazyConnect,
    enableOfflineQueue,
    enableAutoPipelining: autoPipelining,
    ...(reconnect ? {} : { clusterRetryStrategy: () => null }),
    redisOptions: {
      ...shared,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      tls: url.protocol === 'rediss:' ? {} : undefined,
    },
  });
}

/** Where the environment points Redis, for messages: the cluster's seed nodes, or REDIS_URL without its password. */
export function redisTarget(env: Pick<Env, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>): { address: string; variable: 'REDIS_URL' | 'REDIS_CLUSTER_NODES' } {
  if (env.REDIS_CLUSTER_NODES) return { address: `cluster ${env.REDIS_CLUSTER_NODES.join(',')}`, variable: 'REDIS_CLUSTER_NODES' };
  const url = new URL(env.REDIS_URL);
  if (!url.password) return { address: env.REDIS_URL, variable: 'REDIS_URL' };
  url.password = '***';
  return { address: url.toString(), variable: 'REDIS_URL' };
}

/**
 * Readiness: PING the one Redis, or every master of a cluster (a worker that cannot reach one master
 * cannot handle the keys of its slots). Resolves with what answered; rejects naming the first master that did not.
 */
export async function pingRedis(redis: RedisClient): Promise<string> {
  if (!isCluster(redis)) return `PING ${await redis.ping()}`;
  const masters = redis.nodes('master');
  if (masters.length === 0) throw new Error('no Redis Cluster master known yet: the cluster slots are not loaded; check REDIS_CLUSTER_NODES');
  const replies = await Promise.all(
    masters.map((node) =>
      node.ping().catch((error: unknown) => {
        throw new Error(`cluster master ${node.options.host}:${node.options.port} did not answer PING (${(error as Error).message})`, { cause: error });
      }),
    ),
  );
  return `PING ${replies[0]} from ${masters.length} cluster master(s)`;
}
