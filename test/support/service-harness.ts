import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../src/shared/clock';
import { parseConfig } from '../../src/config/load-config';
import type { HeraldConfigInput, HeraldConfig } from '../../src/config/schema';
import { loadEnv, type Env } from '../../src/config/env';
import type { Logger } from '../../src/shared/logger';
import { startService, type RunningService, type ServiceOptions } from '../../src/service/start-service';
import { TEST_BROKERS, TEST_REDIS_URL, testLogger, uniqueName, eventually } from './infra';

/** Config overrides that give a test its own topics (merged over the test's own overrides). */
export function isolatedConfig(overrides: HeraldConfigInput = {}): HeraldConfig {
  const name = uniqueName('topic');
  return parseConfig({
    ...overrides,
    kafka: {
      partitions: 3,
      ...overrides.kafka,
      topics: { incoming: `${name}.incoming`, dlq: `${name}.dlq`, status: `${name}.status`, bulk: `${name}.bulk`, ...overrides.kafka?.topics },
    },
  });
}

/** A herald started in this process on real Kafka and Redis, with its own topics, group, key prefix and outbox. */
export interface TestService {
  service: RunningService;
  config: HeraldConfig;
  env: Env;
  prefix: string;
  outboxDir: string;
  /** Files written by a local sink (`email`, `sms`, `push`). */
  outboxFiles(channel: string): string[];
  stop(): Promise<void>;
}

/** Starts the real service for a test; `stop()` stops it and removes the outbox. */
export async function startTestService(
  options: {
    config?: HeraldConfig;
    env?: Record<string, string>;
    prefix?: string;
    groupId?: string;
    clock?: Clock;
    logger?: Logger;
    fcmAgent?: ServiceOptions['fcmAgent'];
    httpPort?: number;
  } = {},
): Promise<TestService> {
  const config = options.config ?? isolatedConfig();
  const outboxDir = mkdtempSync(path.join(os.tmpdir(), 'herald-outbox-'));
  const env = loadEnv({
    KAFKA_BROKERS: TEST_BROKERS.join(','),
    REDIS_URL: TEST_REDIS_URL,
    KAFKA_GROUP_ID: options.groupId ?? uniqueName('group'),
    HTTP_PORT: String(options.httpPort ?? 0),
    HERALD_API_KEYS: 'test-key',
    OUTBOX_DIR: outboxDir,
    LOG_LEVEL: 'error',
    ...options.env,
  });
  const prefix = options.prefix ?? uniqueName('herald');
  const service = await startService({
    env,
    config,
    logger: options.logger ?? testLogger(),
    redisPrefix: prefix,
    clock: options.clock,
    fcmAgent: options.fcmAgent,
  });
  await eventually(async () => service.isJoined(), 'the worker to join its consumer group', 30_000);
  const outboxFiles = (channel: string) => {
    try {
      return readdirSync(path.join(outboxDir, channel)).filter((f) => !f.startsWith('.'));
    } catch {
      return [];
    }
  };
  return {
    service,
    config,
    env,
    prefix,
    outboxDir,
    outboxFiles,
    async stop() {
      await service.stop();
      rmSync(outboxDir, { recursive: true, force: true });
    },
  };
}

/** Calls the service's HTTP API with the test key. */
export async function api(service: RunningService, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${service.url}${route}`, {
    method,
    headers: { authorization: 'Bearer test-key', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Deliveries of `channel` the service counted as sent so far (its own /metrics `herald_deliveries_total`, outcome `sent`). */
export async function deliveriesSent(service: RunningService, channel: string): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('herald_deliveries_total{') && line.includes(`channel="${channel}"`) && line.includes('outcome="sent"'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}
