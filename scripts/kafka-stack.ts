/**
 * A real single-node Kafka (KRaft, broker + controller in one JVM) on 127.0.0.1, without Docker.
 *   npm run stack:up     fetch the broker jars with Maven (first run), format storage, start, wait until it answers
 *   npm run stack:down   stop the broker started by stack:up (data kept in .herald-stack/kafka)
 * Test setup and the demo call ensureKafka(), which starts a broker only when nothing answers at KAFKA_BROKERS.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

const root = path.resolve(__dirname, '..');
const pomDir = path.join(root, 'stack', 'kafka');
const libDir = path.join(pomDir, 'target', 'lib');
const defaultStackDir = path.join(root, '.herald-stack', 'kafka');
const pidFile = path.join(defaultStackDir, 'kafka.pid');

function brokerAddress(brokers: string): { host: string; port: number } {
  const [host = '127.0.0.1', port = '9092'] = (brokers.split(',')[0] ?? '').split(':');
  return { host, port: Number(port) };
}

/** True when a TCP connection to host:port opens within a second. */
export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** True when a Kafka broker at `brokers` answers a metadata request. */
export async function brokerAnswers(brokers: string): Promise<boolean> {
  const { host, port } = brokerAddress(brokers);
  if (!(await portOpen(host, port))) return false;
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: 'herald-stack',
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * True when the broker can host a new topic and a consumer group: it creates a fresh one-partition
 * probe topic, sees its leader, deletes it (a probe left from an earlier run would prove nothing),
 * and finds a group coordinator. A restarted broker answers metadata while it is still loading the partitions it
 * already has (thousands, after many local test runs), and topic creation fails until it is done.
 */
async function hostsTopics(brokers: string): Promise<boolean> {
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: 'herald-stack',
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  }).admin();
  const topic = `herald-stack.probe-${randomBytes(4).toString('hex')}`;
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true, timeout: 5000 });
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const hosted = (topics[0]?.partitions[0]?.leader ?? -1) >= 0;
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    // A group lookup makes a fresh broker create __consumer_offsets (50 partitions) now, not while
    // the first tests' workers wait to join; it throws until a group coordinator is available.
    await admin.describeGroups(['herald-stack.probe']);
    return hosted;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function fetchJars(): void {
  if (existsSync(libDir) && readdirSync(libDir).some((f) => f.startsWith('kafka_2.13-'))) return;
  console.log('[stack] fetching Apache Kafka from Maven Central (first run only)…');
  execFileSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`, '-DincludeScope=runtime'], { cwd: pomDir, stdio: 'inherit' });
}

function java(args: string[]): string {
  return execFileSync('java', ['-cp', path.join(libDir, '*'), ...args], { encoding: 'utf8' });
}

function writeServerProperties(stackDir: string, host: string, port: number): string {
  const file = path.join(stackDir, 'server.properties');
  const controllerPort = port + 1000;
  writeFileSync(
    file,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@${host}:${controllerPort}`,
      `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://${host}:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${path.join(stackDir, 'data')}`,
      'num.partitions=3',
      // Single node: internal topics cannot have more replicas than brokers.
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=10',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      // Tests join groups constantly; the default 3 s delay would slow every one of them.
      'group.initial.rebalance.delay.ms=0',
      // herald creates its topics itself; typos should fail, not create stray topics.
      'auto.create.topics.enable=false',
      '',
    ].join('\n'),
  );
  return file;
}

function formatStorage(stackDir: string, config: string): void {
  if (existsSync(path.join(stackDir, 'data', 'meta.properties'))) return;
  const clusterId = java(['kafka.tools.StorageTool', 'random-uuid']).trim();
  java(['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config]);
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, stackDir = defaultStackDir): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} within ${timeoutMs / 1000}s; see ${path.join(stackDir, 'server.log')}`);
}

/**
 * Starts a broker on host:port with its storage and logs in `stackDir` (formatted on first use,
 * kept across restarts), detached (pid in `stackDir/kafka.pid`), and resolves with its pid once it
 * can host a new topic.
 * The chaos run (chaos/stack.ts) starts and restarts its own this way.
 */
export async function startBroker(stackDir: string, host: string, port: number): Promise<number> {
  mkdirSync(stackDir, { recursive: true });
  fetchJars();
  const config = writeServerProperties(stackDir, host, port);
  formatStorage(stackDir, config);
  const out = openSync(path.join(stackDir, 'stdout.log'), 'a');
  const child = spawn(
    'java',
    [
      '-Xms256m',
      '-Xmx768m',
      `-Dlog4j2.configurationFile=${path.join(pomDir, 'log4j2.properties')}`,
      `-Dherald.kafka.logFile=${path.join(stackDir, 'server.log')}`,
      '-cp',
      path.join(libDir, '*'),
      'kafka.Kafka',
      config,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  // Written at once, so `stack:down` (or the chaos run) can stop a broker that never became ready.
  writeFileSync(path.join(stackDir, 'kafka.pid'), String(child.pid));
  const brokers = `${host}:${port}`;
  await waitUntil(() => brokerAnswers(brokers), 120_000, 'Kafka did not answer', stackDir);
  await waitUntil(() => hostsTopics(brokers), 120_000, 'Kafka answered but could not host a new topic', stackDir);
  return child.pid!;
}

/** Starts a local broker unless one already answers at `brokers`. Returns whether it started one. */
export async function ensureKafka(brokers = '127.0.0.1:9092'): Promise<{ started: boolean }> {
  if (await brokerAnswers(brokers)) return { started: false };
  const { host, port } = brokerAddress(brokers);
  if (!['127.0.0.1', 'localhost'].includes(host)) {
    throw new Error(`No Kafka answers at ${brokers}, and the local stack only starts one on 127.0.0.1. Start your broker or unset KAFKA_BROKERS.`);
  }
  if (await portOpen(host, port)) {
    // Someone else's broker still booting: wait for it, but it is not ours to stop afterwards.
    await waitUntil(() => brokerAnswers(brokers), 60_000, `Port ${port} is open but no Kafka answered`);
    return { started: false };
  } else {
    console.log(`[stack] Kafka starting on ${host}:${port}`);
    await startBroker(defaultStackDir, host, port);
  }
  console.log(`[stack] Kafka answers at ${brokers}`);
  return { started: true };
}

/** Whether a process with this pid is running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the broker that ensureKafka() started (SIGTERM, then SIGKILL after 30 s). */
export async function stopKafka(): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (alive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
  console.log('[stack] Kafka stopped');
}

if (require.main === module) {
  const brokers = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
  const command = process.argv[2];
  const run = command === 'up' ? ensureKafka(brokers) : command === 'down' ? stopKafka() : Promise.reject(new Error('usage: kafka-stack.ts up|down'));
  run.catch((error: Error) => {
    console.error(`[stack] ${error.message}`);
    process.exit(1);
  });
}
