import type { Clock } from '../clock';
import type { ChannelProvider, OutboundMessage, SendResult } from '../channels/types';
import type { DeliveryRef, DeliveryStore } from '../delivery-state/delivery-store';
import { describeError, HeraldError } from '../errors';
import type { Logger } from '../logger';
import { createRetry, sleep, type AttemptedError, type RetryOptions } from './retry';

/** How a send ended: sent now, found already sent, or failed for good (the caller dead-letters it). */
export type SendOutcome =
  | { outcome: 'sent'; attempts: number; result: SendResult }
  | { outcome: 'already_sent' }
  | { outcome: 'failed'; attempts: number; error: unknown };

/** Dependencies of {@link createSendOnce}. */
export interface SendOnceDeps {
  deliveries: DeliveryStore;
  clock: Clock;
  logger: Logger;
  /** Send lease length; a `sending` record older than this is taken over. */
  leaseMs: number;
  /** Backoff of in-line retries (randomness and sleep injectable). */
  retry: Omit<RetryOptions, 'maxAttempts'>;
  /** Takes a token of the channel's shared rate limit before each provider call. */
  acquire?: (channel: OutboundMessage['channel'], provider: string) => Promise<number>;
  /** Observes each provider call (metrics). */
  observe?: (info: { channel: string; provider: string; seconds: number; ok: boolean }) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Our own storage (the rate limiter's Redis) failed inside a provider attempt. Not a delivery
 * failure: it leaves the retrier at once (not a HeraldError) and {@link createSendOnce} rethrows its cause.
 */
class OwnStorageError extends Error {
  constructor(cause: unknown) {
    super('rate limiter storage failed', { cause });
  }
}

/**
 * Sends one message at most once, however often it is asked to: the delivery's ledger entry is
 * leased before the provider call and marked `sent` right after it. If another worker holds a live
 * lease, this waits for it to finish. The one window left for a duplicate: the process dies after the
 * provider accepted and before `sent` is written; the lease then expires and the message is sent
 * again. Providers get a stable idempotency key so they (or the recipient's mail system) can drop it.
 */
export function createSendOnce(deps: SendOnceDeps) {
  const wait = deps.sleep ?? sleep;

  async function acquire(ref: DeliveryRef, provider: string): Promise<number | 'already_sent'> {
    const deadline = deps.clock.now() + deps.leaseMs * 2;
    for (;;) {
      const { verdict, attempts } = await deps.deliveries.begin(ref, provider);
      if (verdict === 'acquired') return attempts;
      if (verdict === 'already_sent') return 'already_sent';
      if (deps.clock.now() > deadline) throw new Error(`delivery ${ref.eventId}|${ref.recipientId}|${ref.channel} stayed in flight past two leases`);
      await wait(Math.min(500, deps.leaseMs));
    }
  }

  /**
   * Writes `sent`, retrying for up to half a lease while Redis is unreachable: every write that lands
   * here closes the duplicate window for a message the provider already accepted. Past that, it
   * rejects and the event is retried in place (and, the ledger still saying `sending`, may be resent).
   */
  async function recordSent(ref: DeliveryRef, details: { provider: string; providerMessageId?: string; attempts: number }): Promise<void> {
    const deadline = deps.clock.now() + deps.leaseMs / 2;
    for (let failures = 0; ; failures++) {
      try {
        await deps.deliveries.set(ref, 'sent', details);
        return;
      } catch (error) {
        if (deps.clock.now() >= deadline) throw error;
        deps.logger.error('could not record a sent delivery; retrying', { eventId: ref.eventId, recipientId: ref.recipientId, channel: ref.channel, attempt: failures + 1, error: describeError(error) });
        await wait(Math.min(2_000, 100 * 2 ** failures));
      }
    }
  }

  return async function sendOnce(ref: DeliveryRef, provider: ChannelProvider, message: () => OutboundMessage, maxAttempts: number): Promise<SendOutcome> {
    const leased = await acquire(ref, provider.id);
    if (leased === 'already_sent') return { outcome: 'already_sent' };
    const priorAttempts = leased - 1;
    const retry = createRetry({
      ...deps.retry,
      maxAttempts,
      onRetry: ({ attempt, delayMs, error }) =>
        deps.logger.warn('retrying delivery', { decision: 'retried', eventId: ref.eventId, recipientId: ref.recipientId, channel: ref.channel, provider: provider.id, attempt, delayMs, error: describeError(error) }),
    });
    let sent: { value: SendResult; attempts: number };
    try {
      const built = message();
      sent = await retry(async () => {
        if (deps.acquire) await deps.acquire(ref.channel, provider.id).catch((error: unknown) => Promise.reject(new OwnStorageError(error)));
        const started = performance.now();
        try {
          const result = await provider.send(built);
          deps.observe?.({ channel: ref.channel, provider: provider.id, seconds: (performance.now() - started) / 1000, ok: true });
          return result;
        } catch (error) {
          deps.observe?.({ channel: ref.channel, provider: provider.id, seconds: (performance.now() - started) / 1000, ok: false });
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof OwnStorageError) throw error.cause;
      const attempts = priorAttempts + ((error as AttemptedError).attempts ?? 1);
      return { outcome: 'failed', attempts, error };
    }
    // Outside the try: the provider accepted, so failing to record that is our storage failing. It
    // rejects (the worker retries the event in place) instead of dead-lettering a message that was sent.
    const attempts = priorAttempts + sent.attempts;
    await recordSent(ref, { provider: provider.id, providerMessageId: sent.value.providerMessageId, attempts });
    return { outcome: 'sent', attempts, result: sent.value };
  };
}

/** The send-once function, as returned by {@link createSendOnce}. */
export type SendOnce = ReturnType<typeof createSendOnce>;

/** Stable reason code of a failure, for state, DLQ and metrics. */
export function failureCode(error: unknown): string {
  return error instanceof HeraldError ? error.code : 'unexpected_error';
}
