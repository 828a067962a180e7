import { Cron } from 'croner';
import type { Clock } from '../clock';
import { describeError, isRetriable } from '../errors';
import type { Logger } from '../logger';
import type { Claim } from './batch-item';
import type { BatchStore } from './batch-store';

/** What {@link createDigestFlusher} needs. */
export interface DigestFlusherOptions {
  store: BatchStore;
  /** Most items in one digest (config `batching.maxBatch`); the rest wait for the next flush. */
  maxBatch: number;
  /** Cron schedule of the flush (config `batching.schedule`): five fields, or six with seconds first. */
  schedule: string;
  /**
   * Renders and sends one digest; must be idempotent by `claim.digestId`, since a resumed claim is sent
   * again. Throwing keeps the claim for a retry after the lease, so a permanent failure should be
   * recorded (dead-lettered) by the sender and resolve, or the digest is retried every lease.
   */
  sendDigest: (claim: Claim) => Promise<void>;
  logger: Logger;
  clock: Clock;
  /** This worker's id, recorded as the claim owner. */
  owner: string;
  /** Batches flushed at the same time by this worker. Default 8. */
  concurrency?: number;
}

/** Counts of one flush run. */
export interface FlushResult {
  /** Digests sent and closed. */
  digests: number;
  /** Items in those digests. */
  items: number;
  /** Batches whose claim or send failed; their claims are resumed after the lease. */
  failures: number;
}

/** Flushes every due batch into one digest per recipient and channel, on a cron schedule. */
export interface DigestFlusher {
  /** One pass over the due batches. Several workers may run it at once; each batch is claimed by one. */
  flushOnce(): Promise<FlushResult>;
  /** Starts the schedule; a run never overlaps the previous one. */
  start(): void;
  /** Stops the schedule and waits for a running flush to finish. */
  stop(): Promise<void>;
}

/** Builds a {@link DigestFlusher}. */
export function createDigestFlusher(options: DigestFlusherOptions): DigestFlusher {
  const { store, maxBatch, schedule, sendDigest, logger, clock, owner } = options;
  const concurrency = options.concurrency ?? 8;
  let job: Cron | undefined;
  let running: Promise<unknown> | undefined;

  /** Claims, sends and closes one batch's digest; never throws, so other batches continue. */
  async function flushBatch(batchId: string, result: FlushResult): Promise<void> {
    let claim: Claim | null = null;
    try {
      claim = await store.claim(batchId, maxBatch, owner);
      if (!claim) return; // nothing pending, or another worker holds it
      await sendDigest(claim);
    } catch (error) {
      result.failures += 1;
      // The claim stays open: after its lease another run resumes it with the same digest id and items.
      logger.error('digest not sent; claim kept for retry after the lease', {
        batchId,
        digestId: claim?.digestId,
        items: claim?.items.length,
        retriable: isRetriable(error),
        error: describeError(error),
      });
      return;
    }
    await closeClaim(claim, result);
  }

  /** Closes a sent digest's claim and logs the decision. */
  async function closeClaim(claim: Claim, result: FlushResult): Promise<void> {
    const { batchId } = claim;
    try {
      const closed = await store.complete(claim);
      result.digests += 1;
      result.items += claim.items.length;
      const meta = { digestId: claim.digestId, batchId, items: claim.items.length, resumed: claim.resumed, fencingToken: claim.fencingToken };
      // Not closed: our lease ran out and another worker took over; it resends the same digest id.
      if (closed) logger.info('digest flushed', meta);
      else logger.warn('digest sent but its claim was taken over; the new owner resends it by the same id', meta);
    } catch (error) {
      result.failures += 1;
      logger.error('digest sent but claim not closed; it is resent by the same id after the lease', {
        batchId,
        digestId: claim.digestId,
        error: describeError(error),
      });
    }
  }

  async function flushOnce(): Promise<FlushResult> {
    const started = clock.now();
    const result: FlushResult = { digests: 0, items: 0, failures: 0 };
    // ZSCAN may return an id twice; one claim per batch per run keeps one digest per flush.
    const seen = new Set<string>();
    for await (const page of store.scanDue()) {
      const fresh = page.filter((id) => !seen.has(id));
      fresh.forEach((id) => seen.add(id));
      for (let i = 0; i < fresh.length; i += concurrency) {
        await Promise.all(fresh.slice(i, i + concurrency).map((id) => flushBatch(id, result)));
      }
    }
    if (seen.size > 0) logger.info('digest flush run finished', { owner, batches: seen.size, ...result, durationMs: clock.now() - started });
    return result;
  }

  async function scheduledRun(): Promise<void> {
    try {
      await flushOnce();
    } catch (error) {
      logger.error('digest flush run failed; next run retries', { owner, error: describeError(error) });
    }
  }

  return {
    flushOnce,
    start() {
      if (job) return;
      const protect = () => logger.warn('digest flush skipped: the previous run is still going', { owner, schedule });
      job = new Cron(schedule, { protect }, async () => {
        running = scheduledRun();
        await running;
        running = undefined;
      });
    },
    async stop() {
      job?.stop();
      job = undefined;
      await running;
    },
  };
}
