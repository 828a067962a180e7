import type { OutboundMessage, ProviderMap, RenderedContent } from '../channels/types';
import type { Clock } from '../shared/clock';
import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import { deliveryIdOf, type DeliveryStore } from '../delivery-state/delivery-store';
import type { Logger } from '../shared/logger';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import { createFailureHandler } from './handle-failure';
import { orderProviders } from './order-providers';
import type { RetryStore } from '../retries/retry-store';
import { scheduleRetry } from '../retries/schedule-retry';
import type { TryOutcome } from '../retries/retry-poller';
import type { SendOnce } from './send-once';
import type { DlqPublisher } from '../dlq/dlq-publisher';
import { withSpan } from '../tracing/with-span';

/** Renders one delivery's content (src/rendering). */
export type RenderFn = (input: { templateName: string; channel: Channel; event: EventV2; locale?: string }) => RenderedContent;

/** Shortest wait of a deferral, so a half-open breaker (trial call in flight) is not polled in a tight loop. */
const MIN_DEFER_MS = 200;

/** Outcome of one try of a delivery, for the caller's summary and metrics (the retry poller's vocabulary). */
export type DispatchOutcome = TryOutcome;

/** Dependencies of {@link createDispatcher}. */
export interface DispatcherDeps {
  providers: ProviderMap;
  /** The shared round-robin turn of a channel (Redis INCR). */
  nextTurn: (channel: Channel) => Promise<number>;
  sendOnce: SendOnce;
  deliveries: DeliveryStore;
  retries: RetryStore;
  dlq: DlqPublisher;
  render: RenderFn;
  config: Pick<HeraldConfig, 'channels'>;
  clock: Clock;
  logger: Logger;
  /** Source of randomness in [0, 1) for backoff jitter. Default Math.random. */
  random?: () => number;
  /** Observes each try's outcome (metrics). */
  observe?: (info: { channel: Channel; provider: string; outcome: DispatchOutcome; event: EventV2; reason?: string }) => void;
}

/**
 * One try of one delivery (event × recipient × channel), from intake or from the retry store:
 * render, send once over the channel's providers, then settle. A retriable failure is stored in the
 * retry store with full-jitter backoff (its offset may then be committed: nothing waits in line);
 * a permanent one, or the last allowed attempt, is written to the DLQ before the state says so, so
 * on-call always finds what the state says failed.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const handleFailure = createFailureHandler(deps);
  // One `herald.dispatch` span per try, the parent of its provider calls.
  return (event: EventV2, recipient: ResolvedRecipient, channel: Channel): Promise<DispatchOutcome> =>
    withSpan(
      'herald.dispatch',
      { 'herald.event_id': event.id, 'herald.recipient_id': recipient.recipientId, 'herald.channel': channel },
      () => tryOnce(event, recipient, channel),
      {
        onResult: (outcome) => ({ 'herald.outcome': outcome }),
      },
    );

  async function tryOnce(event: EventV2, recipient: ResolvedRecipient, channel: Channel): Promise<DispatchOutcome> {
    const ref = { eventId: event.id, recipientId: recipient.recipientId, channel };
    const deliveryId = deliveryIdOf(ref);
    const locale = event.locale ?? recipient.locale;
    const message = (): OutboundMessage => ({
      deliveryId,
      idempotencyKey: deliveryId,
      eventId: event.id,
      channel,
      recipientId: recipient.recipientId,
      to: recipient.addresses[channel] ?? [],
      locale,
      content: deps.render({ templateName: event.template ?? event.type, channel, event, locale }),
      meta: { type: event.type, priority: event.priority, createdAt: event.createdAt, payload: event.payload },
    });
    const candidates = await orderProviders(deps.providers[channel], deps.config.channels[channel].strategy, () => deps.nextTurn(channel));
    const result = await deps.sendOnce(ref, candidates, message);
    const log = { eventId: event.id, recipientId: recipient.recipientId, channel };
    switch (result.outcome) {
      case 'settled':
        deps.logger.info('delivery already ended for good, not trying again', { decision: 'deduped', ...log });
        deps.observe?.({ channel, provider: 'none', outcome: 'already_sent', event });
        return 'already_sent';
      case 'already_sent':
        deps.logger.info('delivery already sent, not sending again', { decision: 'deduped', ...log });
        deps.observe?.({ channel, provider: 'none', outcome: 'already_sent', event });
        return 'already_sent';
      case 'sent':
        deps.logger.info('delivery sent', {
          decision: 'sent',
          ...log,
          provider: result.provider,
          attempts: result.attempts,
          providerMessageId: result.result.providerMessageId,
        });
        deps.observe?.({ channel, provider: result.provider, outcome: 'sent', event });
        return 'sent';
      case 'unavailable': {
        // Spread the wake-ups: a thousand deliveries waiting on one breaker must not arrive at its trial call together.
        const spread = (deps.random ?? Math.random)() * Math.min(1_000, deps.config.channels[channel].retry.baseDelayMs);
        const at = Math.max(result.retryAt, deps.clock.now() + MIN_DEFER_MS) + spread;
        await scheduleRetry(deps, {
          event,
          recipient,
          channel,
          attempts: result.attempts,
          at,
          reason: result.reason,
          detail: `no ${channel} provider can be called now (${result.reason}); waiting without using an attempt`,
        });
        deps.observe?.({ channel, provider: 'none', outcome: 'deferred', event, reason: result.reason });
        return 'deferred';
      }
      case 'failed':
        return handleFailure(event, recipient, channel, result);
    }
  }
}

/** The dispatch function, as returned by {@link createDispatcher}. */
export type Dispatch = ReturnType<typeof createDispatcher>;
