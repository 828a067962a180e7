import { readConsumerLag, type GroupTopic, type LagRow } from './consumer-lag';
import type { KafkaClient } from './types';

/**
 * The questions a running worker asks the cluster (readiness: do the brokers answer; metrics: the
 * consumer lag of `groups`), through one admin client of its own that connects at the first
 * question (a worker nobody probes never opens it) and again after a failed connect. `close()`
 * disconnects it; the service does so on stop.
 */
export function createClusterProbe(kafka: KafkaClient, groups: readonly GroupTopic[]) {
  const admin = kafka.admin();
  let connected: Promise<void> | null = null;
  const ready = () =>
    (connected ??= admin.connect().catch((error: unknown) => {
      connected = null;
      throw error;
    }));
  return {
    /** How many brokers the cluster reports; rejects when none can be reached. */
    async brokers(): Promise<number> {
      await ready();
      return (await admin.describeCluster()).brokers.length;
    },
    /** Lag rows of every group (./consumer-lag.ts); rejects when the brokers cannot be read. */
    async lag(): Promise<LagRow[]> {
      await ready();
      return readConsumerLag(admin, groups);
    },
    /** Disconnects the admin client (a no-op when it never connected). */
    async close(): Promise<void> {
      await connected?.catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** The probe, as returned by {@link createClusterProbe}. */
export type ClusterProbe = ReturnType<typeof createClusterProbe>;
