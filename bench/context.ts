import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Env } from '../src/config/env';
import type { BenchOptions } from './options';

/** bench/.out: worker logs, configs and profiles (gitignored). */
export const OUT_DIR = path.resolve(__dirname, '.out');

/** What every scenario of one bench run shares. */
export interface BenchContext {
  /** Unique per run; prefixes topics, groups and Redis keys. */
  runId: string;
  options: BenchOptions;
  env: Pick<Env, 'KAFKA_BROKERS' | 'REDIS_URL'>;
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
  /** bench/.out/<runId>: this run's logs and configs. */
  runDir: string;
  /** bench/.out/profiles, with --profile. */
  profileDir?: string;
  /** Files this run left for people to read: worker logs and, with --profile, CPU profiles (and the workers that wrote none). */
  artifacts: { workerLogs: string[]; profiles: string[]; missingProfiles: string[] };
  /** Notes about the run that belong to no scenario (a worker that did not exit cleanly); printed and stored with the results. */
  notes: string[];
  /** Prints one progress line (stdout, timestamped). */
  log(line: string): void;
  /** Registers an undo step run by {@link BenchContext.cleanup} (in reverse order). */
  onCleanup(name: string, undo: () => Promise<unknown>): void;
  /** Runs every registered undo step once (a second call gets the first's promise); failures are reported, not thrown. */
  cleanup(): Promise<string[]>;
}

/** Connects to Kafka and Redis and prepares this run's directory. */
export async function createContext(options: BenchOptions, env: BenchContext['env']): Promise<BenchContext> {
  const runId = `bench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const runDir = path.join(OUT_DIR, runId);
  mkdirSync(runDir, { recursive: true });
  const profileDir = options.profile ? path.join(OUT_DIR, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const kafka = new Kafka({ brokers: env.KAFKA_BROKERS, clientId: 'herald-bench', logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3 });
  const undo: { name: string; undo: () => Promise<unknown> }[] = [];
  let cleaning: Promise<string[]> | null = null;
  const ctx: BenchContext = {
    runId,
    options,
    env,
    kafka,
    admin,
    redis,
    runDir,
    profileDir,
    artifacts: { workerLogs: [], profiles: [], missingProfiles: [] },
    notes: [],
    log: (line) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`),
    onCleanup: (name, step) => void undo.push({ name, undo: step }),
    cleanup() {
      // One cleanup, shared: Ctrl-C and the end of the run may both ask for it.
      cleaning ??= (async () => {
        const problems: string[] = [];
        for (const step of undo.splice(0).reverse()) {
          await step.undo().catch((error: unknown) => problems.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`));
        }
        return problems;
      })();
      return cleaning;
    },
  };
  ctx.onCleanup('redis', () => redis.quit());
  ctx.onCleanup('kafka admin', () => admin.disconnect());
  return ctx;
}
