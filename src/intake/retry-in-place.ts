import type { PartitionBatch } from '../kafka/types';
import { describeError, isOwnOutage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { Stalls } from './stalls';

/** Backoff of the `failures`-th retry: 250 ms doubling, at most 10 s. */
export const retryDelayMs = (failures: number): number => Math.min(10_000, 250 * 2 ** Math.min(failures, 6));

/** When retrying a message in place stops helping. */
export interface GiveUpPolicy {
  /** Failures in a row of the same kind, none of them our own outage, after which the message is given up (`kafka.maxHandlingFailures`). */
  maxFailures: number;
  /** Dead-letters the message with its error so the partition moves on; a rejection (the DLQ unreachable) keeps retrying. */
  giveUp: (error: unknown, failures: number) => Promise<void>;
}

/** What a failure is, for telling "the same way again" from a new problem: name, code and message. */
const signatureOf = (error: unknown) => `${describeError(error)}|${String((error as { code?: unknown } | null)?.code ?? '')}`;

/**
 * Runs `work` until it succeeds, holding the partition rather than skipping the message while the
 * failure is our own (Redis or Kafka unreachable: the next message would fail the same way), and
 * heartbeating while it waits. A failure that is not an outage and repeats the same way
 * `policy.maxFailures` times in a row is not waited out: no retry cures a bad value in an event or
 * a corrupt record, and waiting on it held every later event of the partition for ever. Then the
 * message is given up (`policy.giveUp` dead-letters it) and this resolves true, as if handled.
 * Returns false, without finishing, once the worker stops or the partition is taken away (the new
 * owner starts again from the last committed offset).
 */
export async function retryInPlace(
  payload: Pick<PartitionBatch, 'isRunning' | 'isStale' | 'heartbeat'>,
  work: () => Promise<unknown>,
  onFailure: (error: unknown, attempt: number, delayMs: number) => void,
  policy?: GiveUpPolicy,
): Promise<boolean> {
  let same = 0;
  let last = '';
  for (let failures = 0; ; failures++) {
    try {
      await work();
      return true;
    } catch (error) {
      if (!isOwnOutage(error)) {
        const signature = signatureOf(error);
        same = signature === last ? same + 1 : 1;
        last = signature;
        if (policy && same >= policy.maxFailures && (await gaveUp(policy, error, same))) return true;
      }
      const delayMs = retryDelayMs(failures);
      onFailure(error, failures + 1, delayMs);
      if (!(await pause(payload, delayMs))) return false;
    }
  }
}

/** Gives the message up; false when even that failed (then it is retried like any failure). */
async function gaveUp(policy: GiveUpPolicy, error: unknown, failures: number): Promise<boolean> {
  try {
    await policy.giveUp(error, failures);
    return true;
  } catch {
    return false;
  }
}

/** Waits `delayMs`, heartbeating; false as soon as the worker stops or the partition is taken away. */
async function pause(payload: Pick<PartitionBatch, 'isRunning' | 'isStale' | 'heartbeat'>, delayMs: number): Promise<boolean> {
  const until = Date.now() + delayMs;
  while (Date.now() < until) {
    if (!payload.isRunning() || payload.isStale()) return false;
    await new Promise((r) => setTimeout(r, Math.min(500, until - Date.now())));
    await payload.heartbeat().catch(() => undefined);
  }
  return true;
}

/** What {@link handleInPlace} does beyond the work itself. */
export interface InPlaceOptions {
  logger: Logger;
  /** Gives up a message no retry can cure (dead-letters it); without it a message is retried for ever. */
  policy?: GiveUpPolicy;
  /** Where this worker's in-place retries are recorded for readiness. */
  stalls?: Stalls;
}

/**
 * One message of a batch, as both lanes handle it: `work` retried in place (logged as such, and
 * recorded in `stalls` while it fails), then `done` (the caller resolves what offset it can), a
 * heartbeat and a commit if one is due. Returns false, without `done`, when the worker stops or the
 * partition is taken away.
 */
export async function handleInPlace(
  payload: Pick<PartitionBatch, 'isRunning' | 'isStale' | 'heartbeat' | 'commitOffsetsIfNecessary'>,
  at: { topic: string; partition: number; offset: string },
  work: () => Promise<unknown>,
  done: () => void,
  options: InPlaceOptions,
): Promise<boolean> {
  const { logger, stalls } = options;
  let handled: boolean;
  try {
    handled = await retryInPlace(
      payload,
      work,
      (error, attempt, delayMs) => {
        stalls?.failed(at, error);
        logger.error('message handling failed; retrying in place', {
          topic: at.topic,
          partition: at.partition,
          offset: at.offset,
          attempt,
          delayMs,
          error: describeError(error),
        });
      },
      options.policy,
    );
  } finally {
    stalls?.cleared(at);
  }
  if (!handled) return false;
  done();
  await payload.heartbeat();
  await payload.commitOffsetsIfNecessary();
  return true;
}
