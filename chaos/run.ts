/**
 * `npm run chaos`: proves herald's promise under failure (RELIABILITY.md). On its own loopback stack
 * (Kafka on 19092, Redis with AOF on 16379, a real SMTP server, a Twilio-compatible API, a local FCM)
 * it runs three workers in one group and produces 20,000 events (mixed priorities, channels,
 * recipients, duplicates) and hostile messages, while it SIGKILLs a worker every 10–20 s, restarts
 * Kafka and Redis once, and opens each provider's outage window once. Then it reconciles every
 * delivery and exits 1 when one was lost or duplicated outside the documented window.
 *
 *   npm run chaos -- [--events 20000] [--rate 160] [--workers 3] [--seed 7] [--redis-cluster] [--split-lanes]
 *
 * With --redis-cluster the workers share a three-master Redis Cluster (AOF) and one master is
 * SIGKILLed and restarted instead of the single Redis: the scale-out invariants.
 */
import { requireSupportedNode } from '../src/shared/node-version';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { HeraldConfigInput } from '../src/config/schema';
import { loadEnv } from '../src/config/env';
import { ignoreTimeoutNegativeWarning } from '../src/kafka/ignore-timeout-warning';
import { createKeys } from '../src/redis/keys';
import { createRedisClient } from '../src/redis/redis-client';
import { startDlqReader } from './dlq-reader';
import { createFaultSwitch, seededRandom, type Fault } from './faults';
import { hostileMessages } from './hostile';
import { scanBreakers, scanLogs } from './log-scan';
import { produceWorkload } from './produce';
import { startChaosFcm, startChaosSmtp, startChaosTwilio, type ChaosProvider } from './providers';
import { reconcile } from './reconcile';
import { createRedisReads } from './redis-reads';
import { failuresOf, printReport, type ChaosReport } from './report';
import { startChaosKafka, startChaosRedis, startChaosRedisCluster } from './stack';
import { createWorkerPool } from './worker-pool';
import { CHAOS_TEMPLATE, chaosUsers, planEvents } from './workload';

const root = path.resolve(__dirname, '..');
const dir = path.join(root, '.herald-stack', 'chaos');
const KAFKA_PORT = 19092;
const REDIS_PORT = 16379;
const CLUSTER_PORTS = [17001, 17002, 17003];
/** A duplicate whose first copy arrived this long before a worker SIGKILL is in the documented window. */
const WINDOW_MS = 5_000;
/** The drain ends here at the latest, so the run ends within 10 minutes. */
const DRAIN_DEADLINE_MS = 540_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const startedAt = Date.now();
const log = (text: string) => console.log(`[chaos ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${text}`);
/** What to stop when the run fails half-way, so no broker, Redis or worker is left behind. */
const onFailure: (() => Promise<unknown>)[] = [];

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '160' },
    workers: { type: 'string', default: '3' },
    seed: { type: 'string', default: '7' },
    'redis-cluster': { type: 'boolean', default: false },
    'split-lanes': { type: 'boolean', default: false },
  },
});
const EVENTS = Number(args.events);
const RATE = Number(args.rate);
const WORKERS = Number(args.workers);
const SEED = Number(args.seed);
const CLUSTER = args['redis-cluster'] ?? false;
/** Workers split by lane (HERALD_LANES): even slots intake only, odd slots the bulk lane only. */
const SPLIT = args['split-lanes'] ?? false;
/** A bad option ends the run before it starts anything, with what to change instead of a stack. */
function usage(message: string): never {
  console.error(`[chaos] ${message}`);
  process.exit(2);
}
for (const [name, value] of Object.entries({ events: EVENTS, rate: RATE, workers: WORKERS, seed: SEED })) {
  if (!Number.isInteger(value) || value <= 0) usage(`--${name} must be a positive integer`);
}

if (SPLIT && WORKERS < 2) usage('--split-lanes needs --workers 2 or more: one worker per lane at least');

// The outages (20–75 s) and the Kafka restart (85 s) need calls to meet: production must last that long.
if (EVENTS / RATE < 85) {
  usage(
    `--events ${EVENTS} at --rate ${RATE} is ${Math.round(EVENTS / RATE)} s of production; the chaos schedule needs 85 s of traffic, so give at least ` +
      `${85 * RATE} events or a lower --rate`,
  );
}

const topics = { incoming: 'chaos.incoming', bulk: 'chaos.incoming.bulk', status: 'chaos.status', dlq: 'chaos.dlq' };

/** The workers' config: every channel through its real provider, quick breakers and retries, no digests. */
function workerConfig(): HeraldConfigInput {
  const channel = (provider: string) => ({
    providers: [provider],
    maxAttempts: 10,
    retry: { baseDelayMs: 500, maxDelayMs: 5_000 },
    breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, rollingWindowMs: 10_000, resetTimeoutMs: 5_000, timeoutMs: 5_000 },
  });
  return {
    kafka: { clientId: 'herald-chaos', topics, partitions: 6, replicationFactor: 1, sessionTimeoutMs: 10_000 },
    channels: {
      email: channel('smtp'),
      sms: channel('twilio'),
      push: channel('fcm'),
      in_app: { ...channel('in-app'), inboxCap: 10_000 },
      webhook: { enabled: false },
    },
    batching: { channels: [] },
    templates: {
      [CHAOS_TEMPLATE]: {
        email: { subject: 'Chaos notice ref {{payload.ref}};', text: 'ref {{payload.ref}}; {{payload.body}}' },
        sms: { text: 'ref {{payload.ref}}; {{payload.body}}' },
        push: { title: 'ref {{payload.ref}};', text: '{{payload.body}}' },
        in_app: { title: 'ref {{payload.ref}};', text: '{{payload.body}}' },
      },
    },
  };
}

async function main(): Promise<number> {
  requireSupportedNode();
  const logDir = path.join(dir, 'logs');
  // Fresh logs: the readiness check and the log scan read this run's lines only.
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  ignoreTimeoutNegativeWarning();
  // In every address, token and body of the run, so the log scan can find any of them.
  const secret = `s${randomBytes(5).toString('hex')}`;
  const random = seededRandom(SEED);

  log(
    `starting Kafka on ${KAFKA_PORT} and ` +
      `${CLUSTER ? `a Redis Cluster (AOF, appendfsync always) on ${CLUSTER_PORTS.join(', ')}` : `Redis (AOF, appendfsync always) on ${REDIS_PORT}`}`,
  );
  const [kafkaServer, redisServer] = await Promise.all([
    startChaosKafka(path.join(dir, 'kafka'), KAFKA_PORT),
    CLUSTER ? startChaosRedisCluster(path.join(dir, 'redis-cluster'), CLUSTER_PORTS) : startChaosRedis(path.join(dir, 'redis'), REDIS_PORT),
  ]);
  onFailure.push(
    () => kafkaServer.stop(),
    () => redisServer.stop(),
  );
  const redisEnv: Record<string, string> = CLUSTER
    ? { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: redisServer.address }
    : { REDIS_URL: `redis://${redisServer.address}` };
  const smtp = await startChaosSmtp(createFaultSwitch({ background: 0.02, random: seededRandom(SEED + 1) }));
  const twilio = await startChaosTwilio(createFaultSwitch({ background: 0.02, random: seededRandom(SEED + 2) }));
  const fcm = await startChaosFcm(createFaultSwitch({ background: 0.02, random: seededRandom(SEED + 3) }), dir);
  const providers: ChaosProvider[] = [smtp, twilio, fcm];

  // The workers' own client builder: one Redis, or a Cluster routing each key to its master.
  const redis = createRedisClient(loadEnv({ ...redisEnv }), { maxRetriesPerRequest: 50, enableOfflineQueue: true });
  redis.on('error', () => undefined);
  const users = chaosUsers(300, secret);
  const reads = createRedisReads(redis, createKeys('herald'), users);
  await reads.seedUsers();

  const configFile = path.join(dir, 'worker.config.json');
  writeFileSync(configFile, JSON.stringify(workerConfig(), null, 2));
  const pool = createWorkerPool(
    {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: kafkaServer.address,
      KAFKA_GROUP_ID: 'herald-chaos',
      ...redisEnv,
      HTTP_PORT: '0',
      HERALD_CONFIG: configFile,
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Herald Chaos <chaos@herald.example.com>',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+14155550100',
      TWILIO_API_BASE_URL: twilio.url,
      GOOGLE_APPLICATION_CREDENTIALS: fcm.credentialsFile,
      GOOGLE_CLOUD_PROJECT: fcm.projectId,
      CHAOS_FCM_PORT: String(fcm.port),
      LOG_LEVEL: 'info',
    },
    logDir,
    log,
    SPLIT ? (slot) => (slot % 2 === 0 ? 'intake' : 'bulk') : undefined,
  );
  onFailure.push(() => pool.killAll());
  log(`starting ${WORKERS} workers${SPLIT ? ', split by lane (even slots intake, odd slots bulk)' : ''}`);
  // The first one alone: it creates the topics.
  await pool.start(0);
  await Promise.all(Array.from({ length: WORKERS - 1 }, (_, i) => pool.start(i + 1)));

  const kafka = new Kafka({
    clientId: 'herald-chaos-run',
    brokers: [kafkaServer.address],
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, maxRetryTime: 5_000 },
  });
  const dlq = await startDlqReader(kafka, topics.dlq, `chaos-dlq-reader-${secret}`);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const planned = planEvents(EVENTS, users, random, secret);
  const hostile = hostileMessages(Math.ceil(400 / 7), SEED).map((h) => h.message);
  log(`producing ${EVENTS} events at ${RATE}/s with duplicates, and ${hostile.length} hostile messages`);

  // The chaos schedule, in seconds after production starts.
  const t0 = Date.now();
  const at = (seconds: number) => sleep(Math.max(0, t0 + seconds * 1000 - Date.now()));
  const outageEnded: Record<string, number> = {};
  const outage = async (provider: ChaosProvider, from: number, to: number, fault: Fault) => {
    await at(from);
    log(`${provider.name} outage begins (${fault})`);
    provider.faults.startOutage(fault);
    await at(to);
    provider.faults.endOutage();
    outageEnded[provider.name] = Date.now();
    log(`${provider.name} outage ends`);
  };
  const kills = async () => {
    await at(10);
    while (Date.now() - t0 < (EVENTS / RATE) * 1000 + 30_000) {
      const killed = await pool.killOne(random);
      if (killed) log(`worker ${killed.slot} (pid ${killed.pid}) SIGKILLed; restarting it`);
      await sleep(10_000 + random() * 10_000);
    }
  };
  const restart = async (seconds: number, what: string, server: { restart(): Promise<void> }) => {
    await at(seconds);
    log(`${what} SIGKILLed; restarting it on its data`);
    await server.restart();
    log(`${what} back`);
  };
  const chaos = Promise.all([
    kills(),
    outage(smtp, 20, 35, 'error'),
    outage(twilio, 40, 55, 'drop'),
    // FCM's SDK retries a 503 or a reset itself, so its outage hangs calls: each one times out.
    outage(fcm, 60, 75, 'timeout'),
    // After the three outages, so each provider's outage meets a steady flow of calls.
    restart(85, 'the Kafka broker', kafkaServer),
    restart(110, CLUSTER ? 'a Redis Cluster master' : 'Redis', redisServer),
  ]);
  const produced = await produceWorkload({ producer, topics, planned, hostile, rate: RATE, random, log });
  log(`produced ${EVENTS} events, ${produced.duplicates} duplicates, ${produced.hostile} hostile messages`);
  await chaos;
  await pool.restarted();

  // Drain: until every delivery is accounted for, nothing moved for 60 s, or the deadline.
  const arrivals = async () => [...providers.flatMap((p) => p.receipts), ...(await reads.inboxArrivals())];
  const settle = async () =>
    reconcile({
      planned,
      arrivals: await arrivals(),
      deliveryLetters: dlq.deliveryLetters,
      invalidLetters: dlq.invalidLetters,
      endedWithoutSend: await reads.endedWithoutLetter(planned, dlq.deliveryLetters),
      kills: pool.kills,
      windowMs: WINDOW_MS,
    });
  let last = await settle();
  let lastProgress = -1;
  let lastChange = Date.now();
  while (Date.now() - startedAt < DRAIN_DEADLINE_MS) {
    last = await settle();
    const progress = last.deliveredExactlyOnce + last.duplicates + Object.values(last.deadLettered).reduce((a, b) => a + b, 0) + last.invalidDeadLettered;
    if (progress !== lastProgress) {
      lastProgress = progress;
      lastChange = Date.now();
      log(
        `draining: ${last.deliveredExactlyOnce} of ${last.toDeliver} delivered, ${last.lost} deliveries not accounted for yet, ${last.invalidDeadLettered} ` +
          `of ${produced.hostile} hostile messages dead-lettered`,
      );
    }
    if (last.lost === 0 && last.invalidDeadLettered >= produced.hostile) break;
    if (Date.now() - lastChange > 60_000) {
      log('nothing moved for 60 s; reconciling what arrived');
      break;
    }
    await sleep(2_000);
  }

  // Every copy that arrived, for a closer look at a failed run.
  writeFileSync(path.join(dir, 'arrivals.jsonl'), (await arrivals()).map((a) => JSON.stringify(a)).join('\n'));
  await pool.stopAll();
  await dlq.stop();
  await producer.disconnect();
  redis.disconnect();
  await Promise.all(providers.map((p) => p.close()));
  await Promise.all([kafkaServer.stop(), redisServer.stop()]);

  const logScan = scanLogs(pool.logs, { secret, authToken: twilio.authToken });
  const report: ChaosReport = {
    command:
      `npm run chaos -- --events ${EVENTS} --rate ${RATE} --workers ${WORKERS} --seed ${SEED}` +
      `${CLUSTER ? ' --redis-cluster' : ''}${SPLIT ? ' --split-lanes' : ''}`,
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    redis: CLUSTER ? `a Redis Cluster of ${CLUSTER_PORTS.length} masters (AOF)` : 'one Redis (AOF)',
    eventsProduced: EVENTS,
    duplicateEventsProduced: produced.duplicates,
    hostileProduced: produced.hostile,
    workerKills: pool.kills.length,
    killsAtSeconds: pool.kills.map((k) => Math.round((k - startedAt) / 100) / 10),
    ...last,
    invalidByReason: dlq.invalidLetters,
    breakerOpenings: scanBreakers(
      pool.logs,
      providers.map((p) => p.name),
    ),
    // Recovery: once the outage ended, the provider took messages again.
    acceptedAfterOutage: Object.fromEntries(providers.map((p) => [p.name, p.receipts.filter((r) => r.at > (outageEnded[p.name] ?? Infinity)).length])),
    faults: Object.fromEntries(providers.map((p) => [p.name, { calls: p.faults.calls(), injected: p.faults.injected(), refusedForGood: p.refused() }])),
    logLines: logScan.lines,
    logLeaks: logScan.leaks.length,
    logLeakSamples: logScan.leaks.slice(0, 5),
    crossSlotErrors: logScan.crossSlot,
    windowMs: WINDOW_MS,
  };
  const resultsFile = `results${CLUSTER ? '-cluster' : ''}${SPLIT ? '-split-lanes' : ''}.json`;
  writeFileSync(path.join(root, 'chaos', resultsFile), `${JSON.stringify(report, null, 2)}\n`);
  printReport(report);
  const failures = failuresOf(report);
  if (failures.length > 0) {
    console.log(`\nFAIL: ${failures.join('; ')}`);
    return 1;
  }
  console.log('\nPASS: every delivery arrived exactly once or was dead-lettered with a reason.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`[chaos] failed: ${(error as Error).stack ?? String(error)}`);
    for (const undo of onFailure.reverse()) await undo().catch(() => undefined);
    process.exit(2);
  },
);
