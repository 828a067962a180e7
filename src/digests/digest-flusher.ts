import type { Clock } from '../shared/clock';
import { describeError, isRetriable } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { sleep } from '../shared/sleep';
import type { BatchRef, Claim } from './batch-item';
import type { BatchStore } from './batch-store';

/** What sending a digest decided: sent (or ended for good), or to wait until the recipient's quiet hours end. */
export type DigestSendOutcome = { postponeUntil: number } | void;

/** What {@link createDigestFlusher} needs. */
export interface DigestFlusherOptions {
  store: BatchStore;
  /** How often to look for windows that closed, in ms (config `batching.pollIntervalMs`). */
  pollIntervalMs: number;
  /**
   * Renders and sends one digest; must be idempotent by `claim.digestId`, since a resumed claim is sent
   * again. Throwing keeps the claim for a retry after the lease, so a permanent failure should be
   * recorded (dead-lettered) by the sender and resolve, or the digest is retried every lease.
   */
  sendDigest: (claim: Claim) => Promise<DigestSendOutcome>;
  logger: Logger;
  clock: Clock;
  /** This worker's id, recorded as the claim owner. */
  owner: string;
  /** Windows flushed at the same time by this worker. Default 8. */
  concurrency?: number;
  /** Most windows taken per poll. Default 200. */
  pageSize?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Counts of one flush pass. */
export interface FlushResult {
  /** Digests sent and closed. */
  digests: number;
  /** Items in those digests. */
  items: number;
  /** Digests handed back until the recipient's quiet hours end. */
  postponed: number;
  /** Windows whose claim or send failed; their claims are resumed after the lease. */
  failures: number;
}

/** Flushes every closed digest window; each window is claimed (locked) by one worker. */
export interface DigestFlusher {
  /** One pass over the windows due now. Several workers may run it at once; each window is claimed by one. */
  flushOnce(): Promise<FlushResult>;
  /** Starts polling; a pass never overlaps the previous one. */
  start(): void;
  /** Stops polling and waits for a running pass to finish. */
  stop(): Promise<void>;
}

/** Builds a {@link DigestFlusher}. */
export function createDigestFlusher(options: DigestFlusherOptions): DigestFlusher {
  const { store, sendDigest, logger, clock, owner } = options;
  const concurrency = options.concurrency ?? 8;
  const pageSize = options.pageSize ?? 200;
  const wait = options.sleep ?? sleep;
  let running = false;
  let loop: Promise<void> | undefined;

  /** Claims, sends and closes one window's digest; never throws, so other windows continue. */
  async function flushWindow(ref: BatchRef, result: FlushResult): Promise<void> {
    let claim: Claim | null = null;
    let outcome: DigestSendOutcome;
    try {
      claim = await store.claim(ref, owner);
      if (!claim) return; // empty, or another worker holds it
      outcome = await sendDigest(claim);
    } catch (error) {
      result.failures += 1;
      // The claim stays open: after its lease another pass resumes it with the same digest id and items.
      logger.error('digest not sent; claim kept for retry after the lease', {
        groupKey: ref.groupKey,
        digestId: claim?.digestId,
        items: claim?.items.length,
        retriable: isRetriable(error),
        error: describeError(error),
      });
      return;
    }
    if (outcome) await postpone(claim, outcome.postponeUntil, result);
    else await closeClaim(claim, result);
  }

  async function postpone(claim: Claim, until: number, result: FlushResult): Promise<void> {
    try {
      const done = await store.postpone(claim, until);
      result.postponed += 1;
      logger.info('digest postponed to the end of quiet hours', {
        digestId: claim.digestId,
        items: claim.items.length,
        until: new Date(until).toISOString(),
        handedBack: done,
      });
    } catch (error) {
      result.failures += 1;
      logger.error('digest postponement not recorded; it is retried after the lease', { digestId: claim.digestId, error: describeError(error) });
    }
  }

  /** Closes a sent digest's claim and logs the decision. */
  async function closeClaim(claim: Claim, result: FlushResult): Promise<void> {
    try {
      const closed = await store.complete(claim);
      result.digests += 1;
      result.items += claim.items.length;
      const meta = { digestId: claim.digestId, items: claim.items.length, resumed: claim.resumed, fencingToken: claim.fencingToken };
      // Not closed: our lease ran out and another worker took over; it resends the same digest id, which the ledger absorbs.
      if (closed) logger.info('digest flushed', meta);
      else logger.warn('digest sent but its claim was taken over; the new owner resends it by the same id', meta);
    } catch (error) {
      result.failures += 1;
      logger.error('digest sent but claim not closed; it is resent by the same id after the lease', { digestId: claim.digestId, error: describeError(error) });
    }
  }

  /** One pass; also says how many due windows it read, so the loop knows whether a full page may have left more. */
  async function pass(): Promise<{ result: FlushResult; windows: number }> {
    const started = clock.now();
    const result: FlushResult = { digests: 0, items: 0, postponed: 0, failures: 0 };
    const windows = await store.dueWindows(started, pageSize);
    for (let i = 0; i < windows.length; i += concurrency) {
      await Promise.all(windows.slice(i, i + concurrency).map((ref) => flushWindow(ref, result)));
    }
    if (windows.length > 0) logger.info('digest flush pass finished', { owner, windows: windows.length, ...result, durationMs: clock.now() - started });
    return { result, windows: windows.length };
  }

  async function flushOnce(): Promise<FlushResult> {
    return (await pass()).result;
  }

  async function run(pollIntervalMs: number): Promise<void> {
    while (running) {
      let windows = 0;
      try {
        ({ windows } = await pass());
      } catch (error) {
        logger.error('digest flush pass failed; the next poll retries', { owner, error: describeError(error) });
      }
      // A full page means more may be due: go on without waiting.
      if (windows < pageSize && running) await wait(pollIntervalMs);
    }
  }

  return {
    flushOnce,
    start() {
      if (running) return;
      running = true;
      loop = run(options.pollIntervalMs);
    },
    async stop() {
      running = false;
      await loop;
      loop = undefined;
    },
  };
}
