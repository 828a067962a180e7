import { systemClock } from '../shared/clock';
import { loadConfig } from '../service/load-config';
import type { HeraldConfig } from '../config/schema';
import { loadEnv, type Env } from '../config/env';
import { createDeliveryStore, type DeliveryStore } from '../delivery-state/delivery-store';
import { readDeadLetters, type ReadRange, type StoredLetter } from '../dlq/dlq-reader';
import { ConfigError, describeError, messageOf } from '../shared/errors';
import { createCliKafka } from '../kafka/create-kafka';
import type { KafkaAdmin, KafkaClient } from '../kafka/types';
import type { RedisClient } from '../redis/commands';
import { createKeys, type RedisKeys } from '../redis/keys';
import { createRedisClient, redisTarget } from '../redis/redis-client';
import { CliError, EXIT } from './cli-error';

/** Options every command accepts. */
export interface GlobalOptions {
  /** Config file (default: HERALD_CONFIG, else the bundled config). */
  config?: string;
}

/**
 * What a command needs, created on first use and closed by {@link CliContext.close}: the
 * environment and config exactly as the service reads them (same variables, same file), a Kafka
 * client, an admin and Redis. Connections fail fast with a message that names the address and the
 * variable to set: a CLI that hangs for a minute on a dead broker is no help at 3 a.m.
 */
export function createCliContext(options: GlobalOptions, source?: NodeJS.ProcessEnv) {
  let env: Env | undefined;
  let config: Promise<HeraldConfig> | undefined;
  let kafka: KafkaClient | undefined;
  let admin: Promise<KafkaAdmin> | undefined;
  let redis: Promise<RedisClient> | undefined;
  let deliveries: Promise<DeliveryStore> | undefined;
  const closers: (() => Promise<unknown>)[] = [];

  const getEnv = (): Env => {
    try {
      env ??= loadEnv(source);
      return env;
    } catch (error) {
      throw new CliError(messageOf(error), EXIT.usage);
    }
  };

  const context = {
    env: getEnv,
    clock: systemClock,
    async config(): Promise<HeraldConfig> {
      config ??= loadConfig(options.config ?? getEnv().HERALD_CONFIG).catch((error: unknown) => {
        throw new CliError(
          `${error instanceof ConfigError ? error.message : describeError(error)}\nRun "herald config check" to see every problem.`,
          EXIT.usage,
        );
      });
      return config;
    },
    keys(): RedisKeys {
      return createKeys(getEnv().HERALD_REDIS_PREFIX);
    },
    kafka(): KafkaClient {
      kafka ??= createCliKafka(getEnv().KAFKA_BROKERS);
      return kafka;
    },
    async admin(): Promise<KafkaAdmin> {
      admin ??= (async () => {
        const client = context.kafka().admin();
        try {
          await client.connect();
        } catch (error) {
          throw unreachable('Kafka', getEnv().KAFKA_BROKERS.join(','), 'KAFKA_BROKERS', error);
        }
        closers.push(() => client.disconnect());
        return client;
      })();
      return admin;
    },
    async redis(): Promise<RedisClient> {
      redis ??= (async () => {
        // One quick try: the command fails with a clear message instead of retrying forever.
        const client = createRedisClient(getEnv(), {
          lazyConnect: true,
          maxRetriesPerRequest: 1,
          connectTimeout: 3_000,
          reconnect: false,
          enableOfflineQueue: false,
        });
        client.on('error', () => undefined);
        try {
          await client.connect();
        } catch (error) {
          client.disconnect();
          const { address, variable } = redisTarget(getEnv());
          throw unreachable('Redis', address, variable, error);
        }
        closers.push(() => client.quit().catch(() => client.disconnect()));
        return client;
      })();
      return redis;
    },
    /** The delivery store (state and send-once ledger) with the config's retention and lease. */
    async deliveries(): Promise<DeliveryStore> {
      deliveries ??= (async () => {
        const [client, config] = await Promise.all([context.redis(), context.config()]);
        return createDeliveryStore({
          redis: client,
          keys: context.keys(),
          clock: systemClock,
          retentionSeconds: config.deliveryState.retentionSeconds,
          leaseMs: config.dedup.sendLeaseMs,
        });
      })();
      return deliveries;
    },
    /** Reads the config's DLQ topic (see readDeadLetters); a failure is a CliError saying what to check. */
    async deadLetters(range: ReadRange, onProgress?: (read: number, total: number) => void): Promise<StoredLetter[]> {
      const [config, admin] = await Promise.all([context.config(), context.admin()]);
      try {
        return await readDeadLetters({ kafka: context.kafka(), admin, topic: config.kafka.topics.dlq, range, onProgress });
      } catch (error) {
        throw new CliError(messageOf(error), EXIT.unavailable);
      }
    },
    /** Closes whatever was opened. */
    async close(): Promise<void> {
      await Promise.allSettled(
        closers
          .splice(0)
          .reverse()
          .map((close) => close()),
      );
    },
  };
  return context;
}

/** The context of one command run, as returned by {@link createCliContext}. */
export type CliContext = ReturnType<typeof createCliContext>;

function unreachable(what: string, address: string, variable: string, error: unknown): CliError {
  const hint = what === 'Kafka' ? 'start it (npm run stack:up locally)' : 'start it';
  return new CliError(`cannot reach ${what} at ${address} (${describeError(error)}); ${hint} or point ${variable} at it`, EXIT.unavailable);
}
