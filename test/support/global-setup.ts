import { ensureKafka } from '../../scripts/kafka-stack';

/** Starts the local broker when nothing answers at KAFKA_BROKERS; teardown stops only what this started. */
export default async function globalSetup(): Promise<void> {
  const { started } = await ensureKafka(process.env.KAFKA_BROKERS || '127.0.0.1:9092');
  (globalThis as { __heraldStartedKafka?: boolean }).__heraldStartedKafka = started;
}
