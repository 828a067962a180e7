/**
 * The chaos run's own Kafka broker and Redis, on loopback ports of their own, so a run neither
 * disturbs nor is disturbed by the test stack on 9092/6379. Both can be killed (SIGKILL) and
 * started again on the same data.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { alive, startBroker } from '../scripts/kafka-stack';
import { startRedisCluster } from '../scripts/redis-cluster';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server process the run can kill and start again. */
export interface ChaosServer {
  /** Address clients use (host:port). */
  address: string;
  pid(): number;
  /** SIGKILL, then waits until the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same data; resolves once it serves. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function killPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
}

/** A server started by `launch` (resolving with its pid once it serves), which restart() SIGKILLs and launches again. */
async function restartable(address: string, launch: () => Promise<number>): Promise<ChaosServer> {
  let pid = await launch();
  return {
    address,
    pid: () => pid,
    kill: () => killPid(pid),
    async restart() {
      await killPid(pid);
      pid = await launch();
    },
    stop: () => killPid(pid),
  };
}

/** A single-node KRaft broker with its storage in `dir` (wiped first: every run starts empty). */
export async function startChaosKafka(dir: string, port: number): Promise<ChaosServer> {
  rmSync(dir, { recursive: true, force: true });
  return restartable(`127.0.0.1:${port}`, () => startBroker(dir, '127.0.0.1', port));
}

/**
 * Redis with append-only persistence, `appendfsync always`: a write Redis acknowledged survives
 * SIGKILL. (With the common `everysec`, a kill may lose the last second of writes: dedup claims and
 * `sent` marks among them, which would reopen the duplicate window for that second; see RELIABILITY.md.)
 */
export async function startChaosRedis(dir: string, port: number): Promise<ChaosServer> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, 'redis.pid');
  const launch = async () => {
    rmSync(pidFile, { force: true });
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--daemonize',
        'yes',
        '--pidfile',
        pidFile,
        '--logfile',
        path.join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) => reject(new Error(`cannot run redis-server (${error.message}); install Redis 7 (apt install redis-server)`)));
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-server exited with ${code}; see ${path.join(dir, 'redis.log')}`))));
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      // PING answers LOADING while the append-only file is replayed.
      const ok = await client
        .connect()
        .then(() => client.ping())
        .then(
          (r) => r === 'PONG',
          () => false,
        );
      client.disconnect();
      if (ok) return Number(readFileSync(pidFile, 'utf8'));
      await sleep(100);
    }
    throw new Error(`Redis on port ${port} did not answer within 30 s; see ${path.join(dir, 'redis.log')}`);
  };
  return restartable(`127.0.0.1:${port}`, launch);
}

/**
 * A three-master Redis Cluster with `appendfsync always` on every master. `restart()` SIGKILLs one
 * master (the second) and starts it on its own data; `address` lists every master, for REDIS_CLUSTER_NODES.
 */
export async function startChaosRedisCluster(dir: string, ports: number[]): Promise<ChaosServer> {
  rmSync(dir, { recursive: true, force: true });
  const cluster = await startRedisCluster({ ports, dir, appendOnly: true });
  return {
    address: cluster.nodes.join(','),
    pid: () => cluster.pids[1]!,
    kill: async () => {
      process.kill(cluster.pids[1]!, 'SIGKILL');
    },
    restart: () => cluster.restartNode(1),
    stop: () => cluster.stop(),
  };
}
