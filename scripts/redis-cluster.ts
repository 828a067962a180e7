/**
 * A real Redis Cluster on loopback: three masters, no replicas, no persistence (redis-server and
 * redis-cli from the machine's Redis, 7.x).
 *   npm run cluster:up     start it on 127.0.0.1:7001-7003 (data and logs in .herald-stack/redis-cluster/<port>)
 *   npm run cluster:down   stop it
 * Then run herald with REDIS_CLUSTER_NODES=127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003.
 * Tests and the chaos run call startRedisCluster() with ports of their own (freeClusterPorts()).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { alive, portOpen } from './kafka-stack';

const root = path.resolve(__dirname, '..');
const defaultDir = path.join(root, '.herald-stack', 'redis-cluster');
const DEFAULT_PORTS = [7001, 7002, 7003];
/** Redis Cluster's bus listens at the client port + 10000. */
const BUS_OFFSET = 10_000;
const run = promisify(execFile);

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Client ports, one master each (each also takes port + 10000 for the cluster bus). Default 7001, 7002, 7003. */
  ports?: number[];
  /** Folder holding one folder per node (`<dir>/<port>`: nodes.conf, redis.log, redis.pid), emptied on start. Default `.herald-stack/redis-cluster`. */
  dir?: string;
  /** Address the nodes bind and announce. Default 127.0.0.1. */
  host?: string;
  /** Longest wait for the nodes to answer and the cluster to reach cluster_state:ok, in ms. Default 30000. */
  timeoutMs?: number;
  /**
   * Append-only persistence with `appendfsync always`, so a node killed and restarted
   * ({@link RunningRedisCluster.restartNode}) keeps every write it acknowledged. Default false.
   */
  appendOnly?: boolean;
}

/** A cluster started by {@link startRedisCluster}. */
export interface RunningRedisCluster {
  /** `host:port` of every master, for REDIS_CLUSTER_NODES. */
  nodes: string[];
  /** Process ids of the redis-servers, in the order of `nodes` (a chaos run may signal one). */
  pids: number[];
  /** The folder the nodes run in. */
  dir: string;
  /** Stops every node (SIGTERM, SIGKILL after 10 s); nothing is saved. */
  stop(): Promise<void>;
  /**
   * SIGKILLs node `index` and starts it again on its data (nodes.conf, and the append-only file with
   * `appendOnly`), resolving once the cluster is ok again. Its slots are unavailable meanwhile.
   */
  restartNode(index: number): Promise<void>;
}

/** True when this process can bind host:port (then releases it). */
function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** `count` ports that are free on 127.0.0.1 together with their cluster-bus ports (port + 10000). */
export async function freeClusterPorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < 500; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (ports.includes(port) || ports.includes(port + BUS_OFFSET) || ports.includes(port - BUS_OFFSET)) continue;
    if ((await bindable(host, port)) && (await bindable(host, port + BUS_OFFSET))) ports.push(port);
  }
  if (ports.length < count) throw new Error(`found only ${ports.length} of ${count} free port pairs (port and port + ${BUS_OFFSET}) on ${host}`);
  return ports;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} within ${timeoutMs / 1000} s`);
}

/** Runs one command on one node over a throwaway connection. */
async function ask(host: string, port: number, ...command: string[]): Promise<string> {
  const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.call(command[0]!, ...command.slice(1)));
  } finally {
    client.disconnect();
  }
}

function startNode(host: string, port: number, nodeDir: string, options: { appendOnly: boolean; fresh: boolean }): number {
  if (options.fresh) rmSync(nodeDir, { recursive: true, force: true });
  mkdirSync(nodeDir, { recursive: true });
  const out = openSync(path.join(nodeDir, 'redis.log'), 'a');
  const persistence = options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = [
    '--port',
    String(port),
    '--bind',
    host,
    '--dir',
    nodeDir,
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    '5000',
    '--save',
    '',
    ...persistence,
    '--daemonize',
    'no',
  ];
  // Detached, so `npm run cluster:up` can leave the nodes running; stop() or cluster:down ends them by pid.
  const child = spawn('redis-server', args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  if (child.pid === undefined) throw new Error('redis-server did not start; is Redis (7.x) installed and on PATH?');
  writeFileSync(path.join(nodeDir, 'redis.pid'), String(child.pid));
  return child.pid;
}

async function stopPids(pids: number[]): Promise<void> {
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * Starts a Redis Cluster of `ports.length` masters and no replicas on loopback, the slots spread
 * evenly by `redis-cli --cluster create`, and resolves once every node reports cluster_state:ok
 * with all 16384 slots served. Refuses ports already in use (stop that, or pass other ports).
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RunningRedisCluster> {
  const { ports = DEFAULT_PORTS, dir = defaultDir, host = '127.0.0.1', timeoutMs = 30_000, appendOnly = false } = options;
  if (ports.length < 3) throw new Error(`a Redis Cluster needs at least 3 masters; got ports ${ports.join(', ')}`);
  for (const port of ports) {
    for (const p of [port, port + BUS_OFFSET])
      if (await portOpen(host, p)) throw new Error(`${host}:${p} is in use; stop what listens there (npm run cluster:down for our own) or pass other ports`);
  }
  const nodes = ports.map((port) => `${host}:${port}`);
  const pids: number[] = [];
  try {
    for (const port of ports) pids.push(startNode(host, port, path.join(dir, String(port)), { appendOnly, fresh: true }));
    for (const port of ports)
      await waitFor(
        async () => (await ask(host, port, 'PING')) === 'PONG',
        timeoutMs,
        `redis-server on ${host}:${port} did not answer (see ${path.join(dir, String(port), 'redis.log')})`,
      );
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: timeoutMs });
    const ok = async (port: number) => {
      const info = await ask(host, port, 'CLUSTER', 'INFO');
      return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info) && new RegExp(`cluster_known_nodes:${ports.length}\\b`).test(info);
    };
    await waitFor(async () => (await Promise.all(ports.map(ok))).every(Boolean), timeoutMs, `the cluster ${nodes.join(',')} did not reach cluster_state:ok`);
  } catch (error) {
    await stopPids(pids);
    throw error;
  }
  const clusterOk = async () => {
    const ok = async (port: number) => /cluster_state:ok/.test(await ask(host, port, 'CLUSTER', 'INFO').catch(() => ''));
    await waitFor(
      async () => (await Promise.all(ports.map(ok))).every(Boolean),
      timeoutMs,
      `the cluster ${nodes.join(',')} did not reach cluster_state:ok again`,
    );
  };
  return {
    nodes,
    pids,
    dir,
    stop: () => stopPids(pids),
    async restartNode(index) {
      const port = ports[index];
      if (port === undefined) throw new Error(`no node ${index}; the cluster has ${ports.length}`);
      const pid = pids[index]!;
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
      pids[index] = startNode(host, port, path.join(dir, String(port)), { appendOnly, fresh: false });
      await waitFor(async () => (await ask(host, port, 'PING').catch(() => '')) === 'PONG', timeoutMs, `redis-server on ${host}:${port} did not come back`);
      await clusterOk();
    },
  };
}

/** Stops the nodes whose pid files are under `dir` (what `cluster:up` started there). */
export async function stopRedisCluster(dir = defaultDir): Promise<number> {
  if (!existsSync(dir)) return 0;
  const pids = readdirSync(dir)
    .map((name) => path.join(dir, name, 'redis.pid'))
    .filter((file) => existsSync(file))
    .map((file) => Number(readFileSync(file, 'utf8')))
    .filter(alive);
  await stopPids(pids);
  for (const name of readdirSync(dir)) rmSync(path.join(dir, name, 'redis.pid'), { force: true });
  return pids.length;
}

async function up(): Promise<void> {
  const nodes = DEFAULT_PORTS.map((port) => `127.0.0.1:${port}`);
  const states = await Promise.all(DEFAULT_PORTS.map((port) => ask('127.0.0.1', port, 'CLUSTER', 'INFO').catch(() => '')));
  if (states.every((info) => /cluster_state:ok/.test(info))) {
    console.log(`[cluster] already up: REDIS_CLUSTER_NODES=${nodes.join(',')}`);
    return;
  }
  const cluster = await startRedisCluster();
  console.log(`[cluster] Redis Cluster up (3 masters, data in ${cluster.dir}): REDIS_CLUSTER_NODES=${cluster.nodes.join(',')}`);
}

if (require.main === module) {
  const command = process.argv[2];
  const work =
    command === 'up'
      ? up()
      : command === 'down'
        ? stopRedisCluster().then((n) => console.log(`[cluster] stopped ${n} node(s)`))
        : Promise.reject(new Error('usage: redis-cluster.ts up|down'));
  work.catch((error: Error) => {
    console.error(`[cluster] ${error.message}`);
    process.exit(1);
  });
}
