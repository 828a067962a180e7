import type { Channel } from '../contract/vocabulary';
import { letterEventOf } from '../contract/dead-letter';
import type { EventV2 } from '../contract/event-v2';
import { AddressRejectedError, describeError, isRetriable } from '../shared/errors';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import type { DispatcherDeps, DispatchOutcome } from './dispatch-delivery';
import { backoffDelay } from '../retries/backoff';
import { scheduleRetry } from '../retries/schedule-retry';
import { failureCode, type AttemptOutcome } from './send-once';

/**
 * Decides what a failed attempt becomes: another try from the retry store (retriable, attempts
 * left: exponential backoff with full jitter, never sooner than the provider's Retry-After), or a
 * dead letter (permanent, or out of attempts) with the event, recipient id, channel, provider,
 * attempts and last error. A refused address is recorded as `bounced` instead of `dead-lettered`.
 */
export function createFailureHandler(deps: DispatcherDeps) {
  return async function handleFailure(
    event: EventV2,
    recipient: ResolvedRecipient,
    channel: Channel,
    failed: Extract<AttemptOutcome, { outcome: 'failed' }>,
  ): Promise<DispatchOutcome> {
    const settings = deps.config.channels[channel];
    const reason = failureCode(failed.error);
    const detail = describeError(failed.error);
    const retriable = isRetriable(failed.error);
    if (retriable && failed.attempts < settings.maxAttempts) {
      const delay = backoffDelay(failed.attempts, failed.error, {
        initialMs: settings.retry.baseDelayMs,
        maxMs: settings.retry.maxDelayMs,
        // A provider's Retry-After is honoured in full here: waiting costs nothing but time.
        maxRetryAfterMs: Number.MAX_SAFE_INTEGER,
        random: deps.random,
      });
      await scheduleRetry(deps, {
        event,
        recipient,
        channel,
        attempts: failed.attempts,
        at: deps.clock.now() + delay,
        reason,
        detail,
        provider: failed.provider,
      });
      deps.observe?.({ channel, provider: failed.provider, outcome: 'deferred', event, reason });
      return 'deferred';
    }
    const bounced = failed.error instanceof AddressRejectedError;
    await deps.dlq.deadLetterDelivery({
      kind: 'delivery_failed',
      reason,
      message: detail,
      event: letterEventOf(event),
      delivery: { recipientId: recipient.recipientId, channel, provider: failed.provider, attempts: failed.attempts, retriable },
      failedAt: new Date(deps.clock.now()).toISOString(),
    });
    const status = bounced ? 'bounced' : 'dead-lettered';
    await deps.deliveries.set({ eventId: event.id, recipientId: recipient.recipientId, channel }, status, {
      reason,
      detail,
      provider: failed.provider,
      attempts: failed.attempts,
    });
    deps.logger.warn(`delivery ${status}`, {
      decision: status,
      eventId: event.id,
      recipientId: recipient.recipientId,
      channel,
      provider: failed.provider,
      attempts: failed.attempts,
      reason,
      error: detail,
    });
    const outcome = bounced ? 'bounced' : 'dead_lettered';
    deps.observe?.({ channel, provider: failed.provider, outcome, event, reason });
    return outcome;
  };
}
