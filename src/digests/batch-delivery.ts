import type { BatchItem } from './batch-item';
import type { BatchStore } from './batch-store';
import { groupKeyOf, windowEndFor, type DigestRule } from './digest-rules';
import type { Clock } from '../shared/clock';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import type { DeliveryStore } from '../delivery-state/delivery-store';
import type { Logger } from '../shared/logger';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import type { RenderFn } from '../dispatch/dispatch-delivery';

/** Dependencies of {@link createBatchDelivery}. */
export interface BatchDeliveryDeps {
  store: BatchStore;
  deliveries: DeliveryStore;
  render: RenderFn;
  clock: Clock;
  logger: Logger;
}

/**
 * Hands one delivery to the batching store for its rule's next digest window: the item is rendered
 * now (so a broken template fails at intake, not at 3 a.m. in the flush) and recorded as `batched`
 * with the window's end. The group remembers batched event ids, so a redelivered event is never
 * listed twice, whichever window it arrives in; an item racing a flush lands in the next window.
 */
export function createBatchDelivery(deps: BatchDeliveryDeps) {
  return async function batchDelivery(
    event: EventV2,
    recipient: ResolvedRecipient,
    channel: Channel,
    rule: DigestRule,
    reason = 'waiting_for_digest',
  ): Promise<void> {
    const templateName = event.template ?? event.type;
    const locale = event.locale ?? recipient.locale;
    const content = deps.render({ templateName, channel, event, locale });
    const item: BatchItem = {
      eventId: event.id,
      recipientId: recipient.recipientId,
      recipient: recipient.source,
      channel,
      type: event.type,
      priority: event.priority,
      category: event.category,
      createdAt: event.createdAt,
      templateName,
      locale,
      rule: rule.name,
      title: content.title,
      text: content.text,
    };
    const timeZone = recipient.profile?.timeZone ?? 'UTC';
    const groupKey = groupKeyOf(rule, recipient.recipientId, channel, event);
    const nextWindow = (closedEnd: number) => windowEndFor(rule, closedEnd, timeZone);
    const { added, windowEnd } = await deps.store.add(groupKey, windowEndFor(rule, deps.clock.now(), timeZone), item, nextWindow);
    const digestAt = new Date(windowEnd).toISOString();
    await deps.deliveries.set({ eventId: event.id, recipientId: recipient.recipientId, channel }, 'batched', {
      reason,
      detail: `digest rule ${rule.name}, window closing ${digestAt}`,
      nextAttemptAt: digestAt,
    });
    deps.logger.info('delivery batched', {
      decision: 'batched',
      eventId: event.id,
      recipientId: recipient.recipientId,
      channel,
      rule: rule.name,
      digestAt,
      alreadyBatched: !added,
    });
  };
}

/** The batching function, as returned by {@link createBatchDelivery}. */
export type BatchDelivery = ReturnType<typeof createBatchDelivery>;
