import type { GuardedProvider } from '../channels/circuit-breaker';
import type { OutboundMessage, SendResult } from '../channels/types';
import type { Clock } from '../shared/clock';
import { deliveryIdOf, type DeliveryRef, type DeliveryStore } from '../delivery-state/delivery-store';
import { describeError, HeraldError, isRetriable, PermanentError, RetriableError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { RateLimiter } from './rate-limiter';
import { sleep } from '../shared/sleep';
import { SpanKind } from '@opentelemetry/api';
import { withSpan } from '../tracing/with-span';

/**
 * How one attempt ended:
 * - `sent`: a provider accepted it; `already_sent`: the ledger says it went out before;
 * - `settled`: it already ended for good without a send (dead-lettered, bounced, failed, skipped);
 * - `unavailable`: no provider could be called (breakers open, paused by a 429, rate limit, another
 *   worker's live lease): no attempt is counted, try again at `retryAt`;
 * - `failed`: the last provider called failed with `error` (retriable or not: the caller decides).
 */
export type AttemptOutcome =
  | { outcome: 'sent'; provider: string; attempts: number; result: SendResult }
  | { outcome: 'already_sent' }
  | { outcome: 'settled' }
  | { outcome: 'unavailable'; retryAt: number; reason: UnavailableReason; /** Calls made so far, when this attempt knows them. */ attempts?: number }
  | { outcome: 'failed'; provider: string; attempts: number; error: unknown };

/** Why no provider could be called. */
export type UnavailableReason = 'breaker_open' | 'provider_paused' | 'rate_limited' | 'in_flight';

/** Dependencies of {@link createSendOnce}. */
export interface SendOnceDeps {
  deliveries: DeliveryStore;
  limiter: Pick<RateLimiter, 'acquire' | 'pauseUntil' | 'pausedUntil'>;
  clock: Clock;
  logger: Logger;
  /** Send lease length; a `sending` record older than this is taken over. */
  leaseMs: number;
  /** Longest wait in line for a rate-limit token before the delivery is deferred instead (`retries.maxRateWaitMs`). */
  maxRateWaitMs: number;
  /** Observes each provider call (metrics). */
  observe?: (info: { channel: string; provider: string; seconds: number; ok: boolean }) => void;
  sleep?: (ms: number) => Promise<void>;
}

type Unavailable = { until: number; reason: UnavailableReason };
const earlier = (a: Unavailable | null, b: Unavailable): Unavailable => (a && a.until <= b.until ? a : b);

/**
 * One attempt to send one delivery at most once, over the channel's providers in strategy order.
 * The ledger entry is leased before the first provider call and marked `sent` right after a provider
 * accepts. Within the attempt, a provider that fails retriably, is paused or has an open breaker hands
 * over to the next; a permanent error ends the attempt (a bad address is bad everywhere).
 * The one window left for a duplicate: the process dies after the provider accepted and before `sent`
 * is written; the lease then expires and the message is sent again with the same idempotency key.
 */
export function createSendOnce(deps: SendOnceDeps) {
  const wait = deps.sleep ?? sleep;
  const { limiter, clock } = deps;
  // Deliveries this process is sending right now: the ledger lets this process take over its own
  // lease only when the attempt that took it is over (see delivery-begin.lua).
  const inFlight = new Set<string>();

  /** Which providers may be called now, or when the first one may again. */
  async function available(channel: OutboundMessage['channel'], candidates: readonly GuardedProvider[]) {
    const now = clock.now();
    const paused = await Promise.all(candidates.map((p) => limiter.pausedUntil(channel, p.id)));
    let blocked: Unavailable | null = null;
    const open: GuardedProvider[] = [];
    candidates.forEach((p, i) => {
      if (p.openUntil() > now) blocked = earlier(blocked, { until: p.openUntil(), reason: 'breaker_open' });
      else if (paused[i]! > now) blocked = earlier(blocked, { until: paused[i]!, reason: 'provider_paused' });
      else open.push(p);
    });
    return { open, blocked: blocked as Unavailable | null };
  }

  /**
   * Writes `sent`, retrying for up to half a lease while Redis is unreachable: every write that lands
   * closes the duplicate window for a message the provider already accepted. Past that it rejects and
   * the caller's event is retried in place (the ledger still says `sending`, so it may be resent).
   */
  async function recordSent(ref: DeliveryRef, provider: GuardedProvider, result: SendResult, attempts: number): Promise<void> {
    const deadline = clock.now() + deps.leaseMs / 2;
    const details = {
      provider: provider.id,
      providerMessageId: result.providerMessageId,
      attempts,
      ...(result.recipients?.rejected.length ? { rejectedRecipients: result.recipients.rejected.length } : {}),
    };
    for (let failures = 0; ; failures++) {
      try {
        if (provider.callbacks && result.providerMessageId) await deps.deliveries.rememberProviderMessage(provider.id, result.providerMessageId, ref);
        await deps.deliveries.set(ref, 'sent', details, result.delivered ? { thenDelivered: { provider: provider.id } } : {});
        return;
      } catch (error) {
        if (clock.now() >= deadline) throw error;
        deps.logger.error('could not record a sent delivery; retrying', {
          eventId: ref.eventId,
          recipientId: ref.recipientId,
          channel: ref.channel,
          attempt: failures + 1,
          error: describeError(error),
        });
        await wait(Math.min(2_000, 100 * 2 ** failures));
      }
    }
  }

  /** One provider call, in a `herald.provider.send` CLIENT span (status ERROR when it fails). */
  const call = (provider: GuardedProvider, message: OutboundMessage): Promise<SendResult> =>
    withSpan('herald.provider.send', { 'herald.channel': provider.channel, 'herald.provider': provider.id }, () => callProvider(provider, message), {
      kind: SpanKind.CLIENT,
      onResult: () => ({ 'herald.outcome': 'sent' }),
      onError: (error) => ({ 'herald.outcome': 'failed', 'herald.retriable': isRetriable(error) }),
    });

  async function callProvider(provider: GuardedProvider, message: OutboundMessage): Promise<SendResult> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await provider.send(message);
      deps.observe?.({ channel: provider.channel, provider: provider.id, seconds: seconds(), ok: true });
      return result;
    } catch (error) {
      deps.observe?.({ channel: provider.channel, provider: provider.id, seconds: seconds(), ok: false });
      throw error;
    }
  }

  return async function sendOnce(ref: DeliveryRef, candidates: readonly GuardedProvider[], message: () => OutboundMessage): Promise<AttemptOutcome> {
    const key = deliveryIdOf(ref);
    if (inFlight.has(key)) return { outcome: 'unavailable', retryAt: clock.now() + 1_000, reason: 'in_flight' };
    inFlight.add(key);
    try {
      return await attempt(ref, candidates, message);
    } finally {
      inFlight.delete(key);
    }
  };

  async function attempt(ref: DeliveryRef, candidates: readonly GuardedProvider[], message: () => OutboundMessage): Promise<AttemptOutcome> {
    if (candidates.length === 0) {
      const error = new PermanentError(
        `no ${ref.channel} provider is configured; set channels.${ref.channel}.providers and its environment variables`,
        'no_provider',
      );
      return { outcome: 'failed', provider: 'none', attempts: 0, error };
    }
    const { open, blocked } = await available(ref.channel, candidates);
    if (open.length === 0) return { outcome: 'unavailable', retryAt: blocked!.until, reason: blocked!.reason };
    const lease = await deps.deliveries.begin(ref, open[0]!.id);
    if (lease.verdict === 'already_sent') return { outcome: 'already_sent' };
    if (lease.verdict === 'settled') return { outcome: 'settled' };
    if (lease.verdict === 'in_flight')
      return { outcome: 'unavailable', retryAt: lease.leaseUntil ?? clock.now() + deps.leaseMs, reason: 'in_flight', attempts: lease.attempts };
    let built: OutboundMessage;
    try {
      built = message();
    } catch (error) {
      return { outcome: 'failed', provider: open[0]!.id, attempts: lease.attempts, error };
    }
    let skipped: Unavailable | null = blocked;
    let last: { provider: string; error: unknown } | null = null;
    for (const provider of open) {
      const permit = await limiter.acquire(ref.channel, provider.id, deps.maxRateWaitMs);
      if (!permit.granted) {
        skipped = earlier(skipped, { until: clock.now() + permit.retryInMs, reason: 'rate_limited' });
        continue;
      }
      try {
        const result = await call(provider, built);
        await recordSent(ref, provider, result, lease.attempts);
        return { outcome: 'sent', provider: provider.id, attempts: lease.attempts, result };
      } catch (error) {
        if (error instanceof RetriableError && error.code === 'breaker_open') {
          skipped = earlier(skipped, { until: clock.now() + (error.retryAfterMs ?? 0), reason: 'breaker_open' });
          continue;
        }
        last = { provider: provider.id, error };
        if (!isRetriable(error)) break;
        await pauseOn429(ref, provider, error);
        if (open.length > 1)
          deps.logger.warn('provider failed, trying the next one', {
            decision: 'fallback',
            eventId: ref.eventId,
            recipientId: ref.recipientId,
            channel: ref.channel,
            provider: provider.id,
            error: describeError(error),
          });
      }
    }
    if (last) return { outcome: 'failed', provider: last.provider, attempts: lease.attempts, error: last.error };
    // No provider was called after all: the lease's attempt does not count.
    return { outcome: 'unavailable', retryAt: skipped!.until, reason: skipped!.reason, attempts: lease.attempts - 1 };
  }

  async function pauseOn429(ref: DeliveryRef, provider: GuardedProvider, error: unknown): Promise<void> {
    if (!(error instanceof RetriableError) || error.code !== 'rate_limited' || !error.retryAfterMs) return;
    const now = clock.now();
    await limiter.pauseUntil(ref.channel, provider.id, now + error.retryAfterMs, now);
    deps.logger.warn('provider asked to slow down; pausing it for every worker', {
      decision: 'paused',
      channel: ref.channel,
      provider: provider.id,
      pauseMs: error.retryAfterMs,
    });
  }
}

/** The send-once function, as returned by {@link createSendOnce}. */
export type SendOnce = ReturnType<typeof createSendOnce>;

/** Stable reason code of a failure, for state, DLQ and metrics. */
export function failureCode(error: unknown): string {
  return error instanceof HeraldError ? error.code : 'unexpected_error';
}
