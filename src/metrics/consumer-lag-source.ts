import type { Admin, Kafka } from 'kafkajs';
import { readConsumerLag, type GroupTopic, type LagRow } from '../kafka/consumer-lag';

/**
 * The consumer lag of `groups`, read through one admin client of its own that connects at the
 * first read (a worker nobody scrapes never opens it) and again after a failed connect.
 * `close()` disconnects it; the service does so on stop.
 */
export function createConsumerLagSource(kafka: Kafka, groups: readonly GroupTopic[]) {
  const admin: Admin = kafka.admin();
  let connected: Promise<void> | null = null;
  return {
    /** Lag rows of every group (src/kafka/consumer-lag.ts); rejects when the brokers cannot be read. */
    async read(): Promise<LagRow[]> {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = null;
        throw error;
      });
      await connected;
      return readConsumerLag(admin, groups);
    },
    /** Disconnects the admin client (a no-op when it never connected). */
    async close(): Promise<void> {
      await connected?.catch(() => undefined);
      await admin.disconnect();
    },
  };
}
