import type { Clock } from '../shared/clock';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import type { DeliveryStore } from '../delivery-state/delivery-store';
import type { Logger } from '../shared/logger';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import { retryItemOf, type RetryStore } from './retry-store';

/** What to store for a deferred delivery. */
export interface Deferral {
  event: EventV2;
  recipient: ResolvedRecipient;
  channel: Channel;
  /** Provider calls made so far, when known. */
  attempts?: number;
  /** When to try again, epoch ms. */
  at: number;
  /** Stable code of why (`smtp_transient`, `breaker_open`, …). */
  reason: string;
  detail: string;
  provider?: string;
}

/**
 * Stores a delivery in the retry store, then marks it `deferred` with its next attempt time (unless
 * another worker holds its lease: that worker records the outcome). The
 * store write comes first: once it resolves, the event's offset may be committed without losing
 * the delivery, whatever happens to this worker.
 */
export async function scheduleRetry(deps: { retries: RetryStore; deliveries: DeliveryStore; clock: Clock; logger: Logger }, d: Deferral): Promise<void> {
  const now = deps.clock.now();
  const at = Math.max(d.at, now);
  await deps.retries.schedule(retryItemOf(d.event, d.recipient, d.channel, d.attempts ?? 0, { code: d.reason, message: d.detail }, now), at);
  const nextAttemptAt = new Date(at).toISOString();
  // Another worker's live lease: its outcome is its to record; writing `deferred` would end its lease.
  if (d.reason === 'in_flight') return;
  await deps.deliveries.set({ eventId: d.event.id, recipientId: d.recipient.recipientId, channel: d.channel }, 'deferred', {
    reason: d.reason,
    detail: d.detail,
    ...(d.attempts === undefined ? {} : { attempts: d.attempts }),
    nextAttemptAt,
    ...(d.provider ? { provider: d.provider } : {}),
  });
  deps.logger.warn('delivery deferred to the retry store', {
    decision: 'deferred',
    eventId: d.event.id,
    recipientId: d.recipient.recipientId,
    channel: d.channel,
    provider: d.provider,
    attempts: d.attempts,
    reason: d.reason,
    nextAttemptAt,
  });
}
