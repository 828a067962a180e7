import type { Clock } from '../clock';
import type { HeraldConfig } from '../config/schema';
import type { ProviderMap, OutboundMessage, RenderedContent } from '../channels/types';
import type { Channel } from '../contract/event-v1';
import type { EventV2 } from '../contract/event-v2';
import type { DeliveryStore } from '../delivery-state/delivery-store';
import type { DlqPublisher } from '../dlq/dlq-publisher';
import { describeError, isRetriable } from '../errors';
import type { Logger } from '../logger';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import { failureCode, type SendOnce } from './send-once';

/** Renders one delivery's content (src/rendering). */
export type RenderFn = (input: { templateName: string; channel: Channel; event: EventV2; locale?: string }) => RenderedContent;

/** Outcome of one delivery, for the caller's summary and metrics. */
export type DispatchOutcome = 'sent' | 'already_sent' | 'dead_lettered';

/** Dependencies of {@link createDispatcher}. */
export interface DispatcherDeps {
  providers: ProviderMap;
  sendOnce: SendOnce;
  deliveries: DeliveryStore;
  dlq: DlqPublisher;
  render: RenderFn;
  config: Pick<HeraldConfig, 'channels'>;
  clock: Clock;
  logger: Logger;
  /** Observes each finished delivery (metrics). */
  observe?: (info: { channel: Channel; provider: string; outcome: DispatchOutcome; event: EventV2 }) => void;
}

/**
 * Immediate dispatch of one delivery (event × recipient × channel): render, send once, and on a
 * final failure write the DLQ record before marking the delivery `dead-lettered`, so on-call
 * always finds what the state says failed.
 */
export function createDispatcher(deps: DispatcherDeps) {
  return async function dispatch(event: EventV2, recipient: ResolvedRecipient, channel: Channel): Promise<DispatchOutcome> {
    const provider = deps.providers[channel];
    const ref = { eventId: event.id, recipientId: recipient.recipientId, channel };
    const deliveryId = `${event.id}|${recipient.recipientId}|${channel}`;
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
    const log = { eventId: event.id, recipientId: recipient.recipientId, channel, provider: provider.id };
    const result = await deps.sendOnce(ref, provider, message, deps.config.channels[channel].maxAttempts);
    if (result.outcome === 'already_sent') {
      deps.logger.info('delivery already sent, not sending again', { decision: 'deduped', ...log });
      deps.observe?.({ channel, provider: provider.id, outcome: 'already_sent', event });
      return 'already_sent';
    }
    if (result.outcome === 'sent') {
      deps.logger.info('delivery sent', { decision: 'sent', ...log, attempts: result.attempts, providerMessageId: result.result.providerMessageId });
      deps.observe?.({ channel, provider: provider.id, outcome: 'sent', event });
      return 'sent';
    }
    const reason = failureCode(result.error);
    const detail = describeError(result.error);
    await deps.dlq.deadLetterDelivery({
      kind: 'delivery_failed',
      reason,
      message: detail,
      event,
      delivery: { recipientId: recipient.recipientId, channel, provider: provider.id, attempts: result.attempts, retriable: isRetriable(result.error) },
      failedAt: new Date(deps.clock.now()).toISOString(),
    });
    await deps.deliveries.set(ref, 'dead-lettered', { reason, detail, provider: provider.id, attempts: result.attempts });
    deps.logger.warn('delivery dead-lettered', { decision: 'dead-lettered', ...log, attempts: result.attempts, reason, error: detail });
    deps.observe?.({ channel, provider: provider.id, outcome: 'dead_lettered', event });
    return 'dead_lettered';
  };
}

/** The dispatch function, as returned by {@link createDispatcher}. */
export type Dispatch = ReturnType<typeof createDispatcher>;
