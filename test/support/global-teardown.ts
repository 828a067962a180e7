import { stopKafka } from '../../scripts/kafka-stack';

/** Stops the broker only if global-setup started it, so a developer's own `stack:up` keeps running. */
export default async function globalTeardown(): Promise<void> {
  if ((globalThis as { __heraldStartedKafka?: boolean }).__heraldStartedKafka) await stopKafka();
}
