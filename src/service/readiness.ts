import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { within } from './within';

type Check = { ok: boolean; detail?: string };

async function check(work: () => Promise<string | undefined>): Promise<Check> {
  try {
    return { ok: true, detail: await within(2_000, work(), 'the check') };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

/**
 * `/readyz`: ready only when Kafka answers, Redis answers, and this worker has actually joined its
 * consumer group (a process that cannot consume must not look healthy to the orchestrator).
 */
export function createReadiness(deps: { kafka: Kafka; redis: Redis; isJoined: () => boolean; groupId: string }) {
  const admin = deps.kafka.admin();
  let connected: Promise<void> | null = null;
  return {
    async readiness() {
      const [kafka, redis] = await Promise.all([
        check(async () => {
          connected ??= admin.connect().catch((error: unknown) => {
            connected = null;
            throw error;
          });
          await connected;
          const cluster = await admin.describeCluster();
          return `${cluster.brokers.length} broker(s)`;
        }),
        check(async () => `PING ${await deps.redis.ping()}`),
      ]);
      const joined = deps.isJoined();
      const checks = { kafka, redis, consumerGroup: { ok: joined, detail: joined ? `joined ${deps.groupId}` : `not joined to ${deps.groupId} yet` } };
      return { ready: kafka.ok && redis.ok && joined, checks };
    },
    close: () => admin.disconnect(),
  };
}
