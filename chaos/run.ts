/**
 * `npm run chaos`: proves herald's promise under failure. On its own loopback stack (Kafka on
 * 19092, Redis with AOF on 16379, a real SMTP server, a Twilio-compatible API, a local FCM) it runs
 * three workers in one group, produces 20,000 events (mixed priorities, channels, recipients,
 * duplicates) and hostile messages, while it SIGKILLs a worker every 10–20 s, restarts Kafka and
 * Redis once, and opens each provider's outage window once. Then it reconciles every delivery and
 * exits 1 when one was lost or duplicated outside the documented window (RELIABILITY.md).
 *
 *   npm run chaos -- [--events 20000] [--rate 160] [--workers 3] [--seed 7] [--redis-cluster]
 * With --redis-cluster the workers share a three-master Redis Cluster (AOF) and one master is
 * SIGKILLed and restarted instead of the single Redis: the scale-out invariants.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { startWorker, type WorkerProcess } from '../bench/worker-process';
import type { HeraldConfigInput } from '../src/config/schema';
import { ignoreTimeoutNegativeWarning } from '../src/kafka/ignore-timeout-warning';
import { loadEnv } from '../src/env';
import { createKeys } from '../src/redis/keys';
import { createRedisClient } from '../src/redis/redis-client';
import { createFaultSwitch, seededRandom, type Fault } from './faults';
import { hostileMessages } from './hostile';
import { scanLogs } from './log-scan';
import { startChaosFcm, startChaosSmtp, startChaosTwilio, type ChaosProvider } from './providers';
import { reconcile, type Arrival, type DeliveryLetter } from './reconcile';
import { startChaosKafka, startChaosRedis, startChaosRedisCluster } from './stack';
import { CHAOS_TEMPLATE, chaosUsers, duplicateMessage, eventMessage, planEvents, type PlannedEvent } from './workload';

const root = path.resolve(__dirname, '..');
const dir = path.join(root, '.herald-stack', 'chaos');
const KAFKA_PORT = 19092;
const REDIS_PORT = 16379;
/** A duplicate whose first copy arrived this long before a worker SIGKILL is in the documented window. */
const WINDOW_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const startedAt = Date.now();
/** What to stop when the run fails half-way, so no broker, Redis or worker is left behind. */
const onFailure: (() => Promise<unknown>)[] = [];
const log = (text: string) => console.log(`[chaos ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${text}`);

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '160' },
    workers: { type: 'string', default: '3' },
    seed: { type: 'string', default: '7' },
    'redis-cluster': { type: 'boolean', default: false },
  },
});
/** Scale-out: a three-master Redis Cluster (AOF) instead of one Redis; one master is restarted instead. */
const CLUSTER = args['redis-cluster'] ?? false;
const CLUSTER_PORTS = [17001, 17002, 17003];
const EVENTS = Number(args.events);
const RATE = Number(args.rate);
const WORKERS = Number(args.workers);
const SEED = Number(args.seed);
for (const [name, value] of Object.entries({ events: EVENTS, rate: RATE, workers: WORKERS, seed: SEED })) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
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
    channels: { email: channel('smtp'), sms: channel('twilio'), push: channel('fcm'), in_app: { ...channel('in-app'), inboxCap: 10_000 }, webhook: { enabled: false } },
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

/** Sends `messages`, retrying a failed request (a restarting broker) until it lands. */
async function sendUntilAcked(producer: Producer, messages: Message[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await producer.send({ topic: topics.incoming, acks: -1, messages });
      return;
    } catch (error) {
      if (attempt === 1 || attempt % 10 === 0) log(`produce failed (${(error as Error).message}); retrying`);
      await sleep(500);
    }
  }
}

interface Pool {
  workers: (WorkerProcess | null)[];
  logs: string[];
  kills: number[];
  restarts: Promise<void>[];
}

async function main(): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const logDir = path.join(dir, 'logs');
  // Fresh logs: the readiness check and the log scan read this run's lines only.
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  ignoreTimeoutNegativeWarning();
  const secret = `s${randomBytes(5).toString('hex')}`;
  const random = seededRandom(SEED);

  log(`starting Kafka on ${KAFKA_PORT} and ${CLUSTER ? `a Redis Cluster (AOF, appendfsync always) on ${CLUSTER_PORTS.join(', ')}` : `Redis (AOF, appendfsync always) on ${REDIS_PORT}`}`);
  const [kafkaServer, redisServer] = await Promise.all([startChaosKafka(path.join(dir, 'kafka'), KAFKA_PORT), CLUSTER ? startChaosRedisCluster(path.join(dir, 'redis-cluster'), CLUSTER_PORTS) : startChaosRedis(path.join(dir, 'redis'), REDIS_PORT)]);
  onFailure.push(() => kafkaServer.stop(), () => redisServer.stop());
  const redisEnv: Record<string, string> = CLUSTER ? { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: redisServer.address } : { REDIS_URL: `redis://${redisServer.address}` };
  const smtp = await startChaosSmtp(createFaultSwitch({ background: 0.02, random: seededRandom(SEED + 1) }));
  const twilio = await startChaosTwilio(createFaultSwitch({ background: 0.02, random: seededRandom(SEED + 2) }));
  const fcm = await startChaosFcm(createFaultSwitch({ background: 0.02, random: seededRandom(SEED + 3) }), dir);
  const providers: ChaosProvider[] = [smtp, twilio, fcm];

  // The workers' own client builder: one Redis, or a Cluster routing each key to its master.
  const redis = createRedisClient(loadEnv({ ...redisEnv }), { maxRetriesPerRequest: 50, enableOfflineQueue: true });
  redis.on('error', () => undefined);
  // One command per key, side by side: a cluster pipeline may only hold keys of one node.
  const each = async <T,>(items: readonly T[], command: (item: T) => Promise<unknown>) => {
    const out: unknown[] = [];
    for (let i = 0; i < items.length; i += 200) out.push(...(await Promise.all(items.slice(i, i + 200).map(command))));
    return out;
  };
  const keys = createKeys('herald');
  const users = chaosUsers(300, secret);
  await each(users, (u) => redis.set(keys.user(u.id), JSON.stringify(u.profile)));

  const configFile = path.join(dir, 'worker.config.json');
  writeFileSync(configFile, JSON.stringify(workerConfig(), null, 2));
  const env: Record<string, string> = {
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
  };
  const pool: Pool = { workers: [], logs: [], kills: [], restarts: [] };
  const start = async (slot: number) => {
    const logFile = path.join(logDir, `worker-${slot}-${pool.logs.length}.log`);
    pool.logs.push(logFile);
    pool.workers[slot] = await startWorker({ env, logFile, args: ['--import', 'tsx', path.join(root, 'chaos/worker-main.ts')], readyTimeoutMs: 120_000 });
  };
  onFailure.push(async () => Promise.all(pool.workers.map((w) => w?.kill())));
  log(`starting ${WORKERS} workers`);
  await start(0);
  await Promise.all(Array.from({ length: WORKERS - 1 }, (_, i) => start(i + 1)));

  // Dead letters, read as they come (the reader rides out the broker restart like any client).
  const kafka = new Kafka({ clientId: 'herald-chaos-run', brokers: [kafkaServer.address], logLevel: logLevel.NOTHING, retry: { retries: 30, maxRetryTime: 5_000 } });
  const deliveryLetters: DeliveryLetter[] = [];
  const invalidLetters: Record<string, number> = {};
  const dlqReader = kafka.consumer({ groupId: `chaos-dlq-reader-${secret}`, sessionTimeout: 10_000 });
  await dlqReader.connect();
  await dlqReader.subscribe({ topic: topics.dlq, fromBeginning: true });
  const seenInvalid = new Set<string>();
  await dlqReader.run({
    eachMessage: async ({ message }) => {
      const letter = JSON.parse(message.value?.toString('utf8') ?? '{}') as { kind?: string; reason?: string; event?: { id: string }; delivery?: { recipientId: string; channel: string }; source?: { partition: number; offset: string } };
      if (letter.kind === 'delivery_failed' && letter.event && letter.delivery) {
        deliveryLetters.push({ eventId: letter.event.id, recipientId: letter.delivery.recipientId, channel: letter.delivery.channel, reason: letter.reason ?? '?' });
      } else if (letter.kind === 'invalid_event') {
        // A redelivered bad message may be dead-lettered twice; count each source message once.
        const at = `${letter.source?.partition}:${letter.source?.offset}`;
        if (!seenInvalid.has(at)) {
          seenInvalid.add(at);
          invalidLetters[letter.reason ?? '?'] = (invalidLetters[letter.reason ?? '?'] ?? 0) + 1;
        }
      }
    },
  });

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const planned: PlannedEvent[] = planEvents(EVENTS, users, random, secret);
  const hostile = hostileMessages(Math.ceil(400 / 7), SEED);
  log(`producing ${EVENTS} events at ${RATE}/s with duplicates, and ${hostile.length} hostile messages`);

  // The chaos schedule, in seconds after production starts.
  const t0 = Date.now();
  const productionMs = (EVENTS / RATE) * 1000;
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
  const kills = (async () => {
    await at(10);
    while (Date.now() - t0 < productionMs + 30_000) {
      const live = pool.workers.map((w, slot) => ({ w, slot })).filter((x): x is { w: WorkerProcess; slot: number } => x.w !== null);
      const victim = live[Math.floor(random() * live.length)];
      if (victim) {
        pool.workers[victim.slot] = null;
        await victim.w.kill();
        pool.kills.push(Date.now());
        log(`worker ${victim.slot} (pid ${victim.w.pid}) SIGKILLed; restarting it`);
        pool.restarts.push(start(victim.slot).catch((error: unknown) => log(`worker ${victim.slot} failed to restart: ${(error as Error).message}`)));
      }
      await sleep(10_000 + random() * 10_000);
    }
  })();
  const chaos = Promise.all([
    kills,
    outage(smtp, 20, 35, 'error'),
    outage(twilio, 40, 55, 'drop'),
    // FCM's SDK retries a 503 or a reset itself, so its outage hangs calls: each one times out.
    outage(fcm, 60, 75, 'timeout'),
    (async () => {
      // After the three outages, so each provider's outage meets a steady flow of calls.
      await at(85);
      log('Kafka broker SIGKILLed; restarting it');
      await kafkaServer.restart();
      log('Kafka broker back');
    })(),
    (async () => {
      await at(110);
      log(CLUSTER ? 'a Redis Cluster master SIGKILLed; restarting it on its append-only file' : 'Redis SIGKILLed; restarting it on its append-only file');
      await redisServer.restart();
      log('Redis back');
    })(),
  ]);

  // Production: a steady rate, 8 % of events sent twice (at once or 20–40 s later), hostile messages spread through.
  let duplicatesProduced = 0;
  const later: { dueAt: number; message: Message }[] = [];
  let sent = 0;
  let hostileSent = 0;
  const hostileBatch: Message[] = [];
  while (sent < EVENTS || later.length > 0) {
    const due = Math.min(EVENTS, Math.floor(((Date.now() - t0) / 1000) * RATE));
    const batch: Message[] = [];
    for (; sent < due; sent++) {
      const { event } = planned[sent]!;
      batch.push(eventMessage(event));
      const r = random();
      if (r < 0.04) {
        batch.push(duplicateMessage(event));
        duplicatesProduced += 1;
      } else if (r < 0.08) {
        later.push({ dueAt: Date.now() + 20_000 + random() * 20_000, message: duplicateMessage(event) });
        duplicatesProduced += 1;
      }
      if (hostileSent < hostile.length && sent % Math.max(1, Math.floor(EVENTS / hostile.length)) === 0) hostileBatch.push(hostile[hostileSent++]!.message);
    }
    const now = Date.now();
    for (let i = later.length - 1; i >= 0; i--) {
      if (later[i]!.dueAt <= now) batch.push(...later.splice(i, 1).map((l) => l.message));
    }
    while (sent >= EVENTS && hostileSent < hostile.length) hostileBatch.push(hostile[hostileSent++]!.message);
    // One request each: a huge one would take a whole batch over the broker's 1 MB request limit.
    for (const message of hostileBatch.splice(0)) await sendUntilAcked(producer, [message]);
    if (batch.length > 0) await sendUntilAcked(producer, batch);
    else await sleep(50);
    if (sent >= EVENTS && later.length > 0) await sleep(200);
  }
  log(`produced ${EVENTS} events, ${duplicatesProduced} duplicates, ${hostileSent} hostile messages`);
  await chaos;
  await Promise.all(pool.restarts);

  // Drain: until every delivery is accounted for, nothing moved for 60 s, or the run's 9.5 minutes are up.
  const inbox = async (): Promise<Arrival[]> => {
    const arrivals: Arrival[] = [];
    const lists = (await each(users, (u) => redis.lrange(keys.inbox(u.id), 0, -1))) as string[][];
    const scores = (await each(users, (u) => redis.zrangebyscore(keys.inboxDelivered(u.id), '-inf', '+inf', 'WITHSCORES'))) as string[][];
    const replies = users.flatMap((_, i) => [[null, lists[i]], [null, scores[i]]]);
    users.forEach((u, i) => {
      const entries = (replies[2 * i]?.[1] ?? []) as string[];
      const scored = (replies[2 * i + 1]?.[1] ?? []) as string[];
      const times = new Map<string, number>();
      for (let j = 0; j < scored.length; j += 2) times.set(scored[j]!, Number(scored[j + 1]));
      for (const raw of entries) {
        const entry = JSON.parse(raw) as { id: string; eventId: string };
        arrivals.push({ channel: 'in_app', eventId: entry.eventId, address: u.id, at: times.get(entry.id) ?? Date.now() });
      }
    });
    return arrivals;
  };
  const arrivalsNow = async () => [...providers.flatMap((p) => p.receipts), ...(await inbox())];
  const settle = async (endedWithoutSend?: Map<string, string>) => reconcile({ planned, arrivals: await arrivalsNow(), deliveryLetters, invalidLetters, endedWithoutSend, kills: pool.kills, windowMs: WINDOW_MS });
  /** The recorded state of deliveries to bad addresses that have no dead letter (a push to pruned tokens ends bounced). */
  const endedStates = async (): Promise<Map<string, string>> => {
    const lettered = new Set(deliveryLetters.map((l) => `${l.eventId}|${l.recipientId}|${l.channel}`));
    const wanted: { key: string; eventId: string; field: string }[] = [];
    for (const { event, expected } of planned) {
      for (const [field, e] of expected) if (e.outcome === 'dlq' && !lettered.has(`${event.id}|${field}`)) wanted.push({ key: `${event.id}|${field}`, eventId: event.id, field });
    }
    const replies = (await each(wanted, (w) => redis.hget(keys.deliveries(w.eventId), w.field))).map((r) => [null, r]);
    const out = new Map<string, string>();
    wanted.forEach((w, i) => {
      const record = replies[i]?.[1] ? (JSON.parse(replies[i]![1] as string) as { status: string; reason?: string }) : null;
      if (record && ['bounced', 'failed', 'dead-lettered'].includes(record.status)) out.set(w.key, `${record.status}:${record.reason ?? '?'}`);
    });
    return out;
  };
  let last = await settle();
  let lastChange = Date.now();
  let lastProgress = -1;
  while (Date.now() - startedAt < 540_000) {
    const r = await settle(await endedStates());
    const progress = r.deliveredExactlyOnce + r.duplicates + Object.values(r.deadLettered).reduce((a, b) => a + b, 0) + r.invalidDeadLettered;
    if (progress !== lastProgress) {
      lastProgress = progress;
      lastChange = Date.now();
      log(`draining: ${r.deliveredExactlyOnce} of ${r.toDeliver} delivered, ${r.lost} deliveries not accounted for yet, ${r.invalidDeadLettered} of ${hostileSent} hostile messages dead-lettered`);
    }
    last = r;
    if (r.lost === 0 && r.invalidDeadLettered >= hostileSent) break;
    if (Date.now() - lastChange > 60_000) {
      log('nothing moved for 60 s; reconciling what arrived');
      break;
    }
    await sleep(2_000);
  }

  const arrivalsBeforeStop = arrivalsNow();
  // Recovery: breakers that opened let calls through again once the outage ended.
  const recoveredAfter = Object.fromEntries(providers.map((p) => [p.name, p.receipts.filter((r) => r.at > (outageEnded[p.name] ?? Infinity)).length]));
  const breakerLines = scanBreakers(pool.logs);
  await Promise.all(pool.workers.map((w) => w?.stop()));
  await dlqReader.disconnect();
  await producer.disconnect();
  const logScan = scanLogs(pool.logs, { secret, authToken: twilio.authToken });
  redis.disconnect();
  await Promise.all(providers.map((p) => p.close()));
  await Promise.all([kafkaServer.stop(), redisServer.stop()]);

  const faults = Object.fromEntries(providers.map((p) => [p.name, { calls: p.faults.calls(), injected: p.faults.injected(), refusedForGood: p.refused() }]));
  const report = {
    command: `npm run chaos -- --events ${EVENTS} --rate ${RATE} --workers ${WORKERS} --seed ${SEED}${CLUSTER ? ' --redis-cluster' : ''}`,
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    eventsProduced: EVENTS,
    duplicateEventsProduced: duplicatesProduced,
    hostileProduced: hostileSent,
    workerKills: pool.kills.length,
    killsAtSeconds: pool.kills.map((k) => Math.round((k - startedAt) / 100) / 10),
    ...last,
    invalidByReason: invalidLetters,
    breakerOpenings: breakerLines,
    acceptedAfterOutage: recoveredAfter,
    faults,
    logLines: logScan.lines,
    logLeaks: logScan.leaks.length,
    crossSlotErrors: logScan.crossSlot,
    redis: CLUSTER ? `a Redis Cluster of ${CLUSTER_PORTS.length} masters (AOF)` : 'one Redis (AOF)',
    logLeakSamples: logScan.leaks.slice(0, 5),
  };
  writeFileSync(path.join(root, 'chaos', CLUSTER ? 'results-cluster.json' : 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  // Every copy that arrived, for a closer look at a failed run.
  writeFileSync(path.join(dir, 'arrivals.jsonl'), (await arrivalsBeforeStop).map((a) => JSON.stringify(a)).join('\n'));
  printReport(report);

  const failures = [
    last.lost > 0 && `${last.lost} deliveries lost`,
    last.duplicatesOutsideWindow > 0 && `${last.duplicatesOutsideWindow} duplicates outside the documented window`,
    last.unexpected > 0 && `${last.unexpected} copies no delivery expected`,
    last.sentAndDeadLettered > 0 && `${last.sentAndDeadLettered} deliveries both sent and dead-lettered`,
    last.invalidDeadLettered < hostileSent && `${hostileSent - last.invalidDeadLettered} hostile messages not dead-lettered`,
    logScan.leaks.length > 0 && `${logScan.leaks.length} log lines hold an address, token or body`,
    logScan.crossSlot > 0 && `${logScan.crossSlot} log lines report CROSSSLOT`,
    ...providers.map((p) => breakerLines[p.name]!.opened === 0 && `the ${p.name} breakers never opened during its outage`),
    ...providers.map((p) => recoveredAfter[p.name] === 0 && `nothing reached ${p.name} after its outage ended`),
  ].filter(Boolean);
  if (failures.length > 0) {
    console.log(`\nFAIL: ${failures.join('; ')}`);
    return 1;
  }
  console.log('\nPASS: every delivery arrived exactly once or was dead-lettered with a reason.');
  return 0;
}

/** Breaker openings and closings per provider, from every worker's log. */
function scanBreakers(files: readonly string[]): Record<string, { opened: number; closed: number }> {
  const out: Record<string, { opened: number; closed: number }> = { smtp: { opened: 0, closed: 0 }, twilio: { opened: 0, closed: 0 }, fcm: { opened: 0, closed: 0 } };
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /"message":"circuit breaker (open|closed)".*"provider":"([^"]+)"|"provider":"([^"]+)".*"message":"circuit breaker (open|closed)"/.exec(line);
      if (!match) continue;
      const state = match[1] ?? match[4];
      const provider = match[2] ?? match[3] ?? '?';
      out[provider] ??= { opened: 0, closed: 0 };
      if (state === 'open') out[provider].opened += 1;
      else out[provider].closed += 1;
    }
  }
  return out;
}

function printReport(r: Record<string, unknown> & ReturnType<typeof reconcile>): void {
  const rows: [string, unknown][] = [
    ['events produced', r.eventsProduced],
    ['duplicate events produced', r.duplicateEventsProduced],
    ['hostile messages produced', r.hostileProduced],
    ['worker SIGKILLs', r.workerKills],
    ['deliveries expected', `${r.deliveriesExpected} (${r.toDeliver} to send, ${r.toDeadLetter} to bad addresses)`],
    ['delivered exactly once', r.deliveredExactlyOnce],
    ['duplicates', `${r.duplicates} (${r.duplicatesInWindow} in the documented window, ${r.duplicatesOutsideWindow} outside) ${JSON.stringify(r.duplicatesByChannel)}`],
    ['  first copy to next SIGKILL, max', `${r.windowGapMaxMs} ms (window ${WINDOW_MS} ms)`],
    ['lost', r.lost],
    ['dead-lettered, by reason', JSON.stringify(r.deadLettered)],
    ['ended without a send (pruned)', JSON.stringify(r.endedWithoutSend)],
    ['dead-lettered instead of sent', r.deadLetteredInsteadOfSent],
    ['invalid events dead-lettered', `${r.invalidDeadLettered} ${JSON.stringify(r.invalidByReason)}`],
    ['unexpected copies', r.unexpected],
    ['delivery delay p50 / p99 / max', `${r.delayP50Ms} / ${r.delayP99Ms} / ${r.delayMaxMs} ms`],
    ['breaker openings / closings', JSON.stringify(r.breakerOpenings)],
    ['accepted after each outage', JSON.stringify(r.acceptedAfterOutage)],
    ['faults injected', JSON.stringify(r.faults)],
    ['log lines scanned / leaking', `${r.logLines} / ${r.logLeaks}`],
    ['Redis', `${r.redis}; CROSSSLOT errors logged: ${r.crossSlotErrors}`],
    ['run time', `${r.durationSeconds} s`],
  ];
  console.log('');
  for (const [name, value] of rows) console.log(`${name.padEnd(32)} ${String(value)}`);
  if (r.lostSamples.length) console.log(`lost, for example:\n  ${r.lostSamples.join('\n  ')}`);
  if (r.unexpectedSamples.length) console.log(`unexpected, for example:\n  ${r.unexpectedSamples.join('\n  ')}`);
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`[chaos] failed: ${(error as Error).stack ?? String(error)}`);
    for (const undo of onFailure.reverse()) await undo().catch(() => undefined);
    process.exit(2);
  },
);
