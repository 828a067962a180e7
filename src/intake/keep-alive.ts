import type { PartitionBatch } from '../kafka/types';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';

/**
 * While a batch is in hand (a slow provider, a retry wait, a large forward), keeps the group
 * membership alive and commits what is already resolved every second: otherwise a long send would
 * stall commits of the work finished before it, or cost the partition in a rebalance.
 * Returns the function that stops it.
 */
export function keepAlive(payload: Pick<PartitionBatch, 'heartbeat' | 'commitOffsetsIfNecessary'>, logger: Logger): () => void {
  const timer = setInterval(() => {
    void payload.heartbeat().catch(() => undefined);
    void payload.commitOffsetsIfNecessary().catch((error: unknown) => logger.warn('offset commit failed; will retry', { error: describeError(error) }));
  }, 1000);
  return () => clearInterval(timer);
}
