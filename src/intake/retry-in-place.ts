import type { EachBatchPayload } from 'kafkajs';
import { describeError } from '../errors';
import type { Logger } from '../logger';

/** Backoff of the `failures`-th retry: 250 ms doubling, at most 10 s. */
export const retryDelayMs = (failures: number): number => Math.min(10_000, 250 * 2 ** Math.min(failures, 6));

/**
 * Runs `work` until it succeeds, holding the partition rather than skipping the message: a failure
 * here is our own (Redis or Kafka unreachable), and the next message would fail the same way.
 * Heartbeats while it waits. Returns false, without finishing, once the worker stops or the
 * partition is taken away (the new owner starts again from the last committed offset).
 */
export async function retryInPlace(
  payload: Pick<EachBatchPayload, 'isRunning' | 'isStale' | 'heartbeat'>,
  work: () => Promise<unknown>,
  onFailure: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<boolean> {
  for (let failures = 0; ; failures++) {
    try {
      await work();
      return true;
    } catch (error) {
      const delayMs = retryDelayMs(failures);
      onFailure(error, failures + 1, delayMs);
      const until = Date.now() + delayMs;
      while (Date.now() < until) {
        if (!payload.isRunning() || payload.isStale()) return false;
        await new Promise((r) => setTimeout(r, Math.min(500, until - Date.now())));
        await payload.heartbeat().catch(() => undefined);
      }
    }
  }
}

/**
 * One message of a batch, as both lanes handle it: `work` retried in place (logged as such), then
 * `done` (the caller resolves what offset it can), a heartbeat and a commit if one is due.
 * Returns false, without `done`, when the worker stops or the partition is taken away.
 */
export async function handleInPlace(
  payload: Pick<EachBatchPayload, 'isRunning' | 'isStale' | 'heartbeat' | 'commitOffsetsIfNecessary'>,
  at: { topic: string; partition: number; offset: string },
  work: () => Promise<unknown>,
  done: () => void,
  logger: Logger,
): Promise<boolean> {
  const handled = await retryInPlace(payload, work, (error, attempt, delayMs) =>
    logger.error('message handling failed; retrying in place', { topic: at.topic, partition: at.partition, offset: at.offset, attempt, delayMs, error: describeError(error) }),
  );
  if (!handled) return false;
  done();
  await payload.heartbeat();
  await payload.commitOffsetsIfNecessary();
  return true;
}
