import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Producer } from 'kafkajs';
import { parseConfig } from '../src/config/load-config';
import { createKeys, type RedisKeys } from '../src/redis/keys';
import { deleteKeys } from '../test/support/infra';
import type { BenchContext } from './context';
import { connectProducer } from './produce';
import { BenchFailure } from './results';
import { startCountingSmtpSink, type CountingSmtpSink } from './counting-smtp-sink';
import { createInboxReader, type InboxReader } from './inbox-reader';
import { seedUsers } from './users';
import { BENCH_PARTITIONS, benchTopics, benchWorkerConfig, type BenchTopics } from './worker-config';
import { startWorker, type WorkerProcess } from './worker-process';

/** Deliveries counted at the sinks. */
export interface Counts {
  email: number;
  inApp: number;
}

/** One scenario's world: its topics, users, sinks, and a fresh worker under test. */
export interface Stage {
  name: string;
  topics: BenchTopics;
  prefix: string;
  keys: RedisKeys;
  users: readonly string[];
  /** The worker under test; in a stage split by lane, the intake-only one (its HTTP API answers for both). */
  worker: WorkerProcess;
  /** Every process of herald on the stage: `worker`, then, split by lane, the bulk-only one. */
  workers: readonly WorkerProcess[];
  /** Resets the peak RSS of every worker process. */
  resetPeaks(): void;
  /** The highest peak RSS of the stage's worker processes since the last reset, MB; null when unreadable. */
  peakRssMb(): number | null;
  sink: CountingSmtpSink;
  inbox: InboxReader;
  /** The bench's producer of load. */
  producer: Producer;
  /**
   * Where the bench writes normal and low events: herald's bulk topic, as herald's own publishers do
   * (HeraldProducer with `bulkTopic`, the HTTP API; src/client/lane-topic.ts); the floor's incoming topic, its only one.
   */
  bulkTopic: string;
  /** Deliveries at the sinks now: SMTP messages accepted, in-app ids pushed to the stage's users. */
  counts(): Promise<Counts>;
  /**
   * Polls the sinks every 100 ms until they reach `target` (and `also`, if given, holds); resolves
   * with when the last of it happened. @throws BenchFailure on timeout, or if the worker or the SMTP sink died.
   */
  waitFor(target: Counts, timeoutMs: number, what: string, also?: () => Promise<boolean>): Promise<{ endAt: number }>;
  /** Sum of the worker's Prometheus samples of `metric` (labelled or not) whose labels contain every `labels` entry. */
  metric(metric: string, labels?: string[]): Promise<number>;
  /** Stops the worker (SIGTERM) and everything else of the stage, deletes its Redis keys. */
  close(): Promise<{ exitCode: number | null; profile?: string }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What runs as the stage's worker: herald's service, or the floor of its libraries (bench/floor/floor.ts). */
export type Program = 'herald' | 'floor';

const FLOOR_ARGS = ['--import', 'tsx', path.resolve(__dirname, 'floor', 'floor.ts')];

/** How herald runs on a stage: one process of both lanes (the default), or split by lane (HERALD_LANES) into an intake-only and a bulk-only process. */
export type Lanes = 'one process' | 'split';

/** Creates the scenario's topics (3 partitions each), seeds its users, starts the sink and the worker (or the floor). */
export async function openStage(
  ctx: BenchContext,
  name: string,
  users: readonly string[],
  program: Program = 'herald',
  lanes: Lanes = 'one process',
): Promise<Stage> {
  const topics = benchTopics(ctx.runId, name);
  await ctx.admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: BENCH_PARTITIONS, replicationFactor: 1 })),
  });
  ctx.onCleanup(`topics of ${name}`, () => ctx.admin.deleteTopics({ topics: Object.values(topics), timeout: 30_000 }));
  const groupId = `${ctx.runId}-${name}`;
  ctx.onCleanup(`groups of ${name}`, () => ctx.admin.deleteGroups([groupId, `${groupId}.bulk`]).catch(() => undefined));
  const prefix = `${ctx.runId}-${name}`;
  ctx.onCleanup(`redis keys of ${name}`, () => deleteKeys(ctx.redis, prefix));
  const keys = createKeys(prefix);
  await seedUsers(ctx.redis, keys, users);

  // A process of its own, so the sink's CPU is neither the load generator's nor the worker's.
  const sink = await startCountingSmtpSink({ name: `the SMTP sink of ${name}`, logFile: path.join(ctx.runDir, `${name}.smtp-sink.log`) });
  ctx.onCleanup(`smtp sink of ${name}`, () => sink.close());
  const configFile = path.join(ctx.runDir, `${name}.config.json`);
  const config = benchWorkerConfig(topics);
  parseConfig(config, 'the bench worker config');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const env = {
    KAFKA_BROKERS: ctx.env.KAFKA_BROKERS.join(','),
    REDIS_URL: ctx.env.REDIS_URL,
    HTTP_PORT: '0',
    HERALD_API_KEYS: 'bench-key',
    HERALD_CONFIG: configFile,
    HERALD_REDIS_PREFIX: prefix,
    KAFKA_GROUP_ID: groupId,
    SMTP_URL: sink.url,
    LOG_LEVEL: 'info',
  };
  const start = async (role: string, extra: Record<string, string>) => {
    const worker = await startWorker({
      env: { ...env, ...extra },
      logFile: path.join(ctx.runDir, `${name}.${role}.log`),
      profileDir: ctx.profileDir,
      ...(program === 'floor' ? { args: FLOOR_ARGS } : {}),
    });
    ctx.onCleanup(`${role} of ${name}`, () => worker.stop());
    ctx.artifacts.workerLogs.push(worker.logFile);
    return worker;
  };
  const split = lanes === 'split' && program === 'herald';
  const worker = await start('worker', split ? { HERALD_LANES: 'intake' } : {});
  const workers = split ? [worker, await start('bulk-worker', { HERALD_LANES: 'bulk' })] : [worker];
  const producer = await connectProducer(ctx.kafka);
  ctx.onCleanup(`producer of ${name}`, () => producer.disconnect());
  const inbox = createInboxReader(ctx.redis, keys, users);

  const counts = async (): Promise<Counts> => {
    const [email, inApp] = await Promise.all([sink.count(), inbox.count()]);
    return { email, inApp };
  };
  const lastDeliveryAt = async () => Math.max(...(await Promise.all([sink.lastAcceptedAt(), inbox.lastPushAt()])));
  let closed: ReturnType<Stage['close']> | null = null;
  return {
    name,
    topics,
    prefix,
    keys,
    users,
    worker,
    workers,
    resetPeaks: () => workers.forEach((w) => w.resetPeak()),
    peakRssMb() {
      const peaks = workers.map((w) => w.peakRssMb());
      return peaks.some((p) => p === null) ? null : Math.max(...(peaks as number[]));
    },
    sink,
    inbox,
    producer,
    bulkTopic: program === 'floor' ? topics.incoming : topics.bulk,
    counts,
    async waitFor(target, timeoutMs, what, also) {
      const deadline = Date.now() + timeoutMs;
      let alsoAt = 0;
      for (;;) {
        for (const w of workers) w.assertAlive();
        const now = await counts();
        if (now.email >= target.email && now.inApp >= target.inApp) {
          if (!also) return { endAt: await lastDeliveryAt() };
          if (!alsoAt && (await also())) alsoAt = Date.now();
          if (alsoAt) return { endAt: Math.max(await lastDeliveryAt(), alsoAt) };
        } else if (also && !alsoAt && (await also())) {
          alsoAt = Date.now();
        }
        if (Date.now() > deadline) {
          throw new BenchFailure(
            `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}: email ${now.email}/${target.email}, in-app ${now.inApp}/${target.inApp} ` +
              `at the sinks; worker log ${worker.logFile}`,
          );
        }
        await sleep(100);
      }
    },
    async metric(metric, labels = []) {
      const text = await (await fetch(`${worker.url}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) && labels.every((l) => line.includes(l)))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    },
    close() {
      closed ??= (async () => {
        let exitCode: number | null = 0;
        let profile: string | undefined;
        for (const w of workers) {
          const stopped = await w.stop();
          profile ??= stopped.profile;
          if (stopped.profile) ctx.artifacts.profiles.push(stopped.profile);
          else if (ctx.profileDir) ctx.artifacts.missingProfiles.push(`${name} (exit code ${stopped.code}, signal ${stopped.signal})`);
          if (stopped.code !== 0) {
            exitCode = stopped.code;
            ctx.notes.push(
              `${name}: the worker exited with code ${stopped.code}${stopped.signal ? ` (${stopped.signal})` : ''} after SIGTERM ` +
                `instead of 0; see ${w.logFile}`,
            );
          }
        }
        await producer.disconnect().catch(() => undefined);
        await sink.close();
        await deleteKeys(ctx.redis, prefix);
        return { exitCode, profile };
      })();
      return closed;
    },
  };
}

/** Runs `work` on the stage and closes it afterwards, whether `work` succeeded or not. */
export async function withClose<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await stage.close();
  }
}
