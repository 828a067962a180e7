import { batchIdOf, type BatchItem } from '../batching/batch-item';
import type { BatchStore } from '../batching/batch-store';
import type { EventV2 } from '../contract/event-v2';
import type { DeliveryStore } from '../delivery-state/delivery-store';
import type { Logger } from '../logger';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import type { Renderer } from '../rendering/render';
import type { Channel } from '../contract/event-v1';

/**
 * Hands one delivery to the batching store for the next digest: the item is rendered now (so a
 * broken template fails at intake, not at 3 a.m. in the flush) and recorded as `batched`.
 * Adding is idempotent per event, and the store remembers digested events, so a redelivered
 * event neither duplicates an item nor re-batches one already sent.
 */
export function createBatchDelivery(deps: { store: BatchStore; deliveries: DeliveryStore; renderer: Renderer; logger: Logger }) {
  return async function batchDelivery(event: EventV2, recipient: ResolvedRecipient, channel: Channel): Promise<void> {
    const templateName = event.template ?? event.type;
    const content = deps.renderer.render({ templateName, channel, event, locale: event.locale ?? recipient.locale });
    const item: BatchItem = {
      eventId: event.id,
      recipientId: recipient.recipientId,
      recipient: recipient.source,
      channel,
      type: event.type,
      priority: event.priority,
      createdAt: event.createdAt,
      templateName,
      title: content.title,
      text: content.text,
    };
    const batchId = batchIdOf(recipient.recipientId, channel);
    const added = await deps.store.add(batchId, item);
    await deps.deliveries.set({ eventId: event.id, recipientId: recipient.recipientId, channel }, 'batched', { reason: 'waiting_for_digest' });
    deps.logger.info('delivery batched', { decision: 'batched', eventId: event.id, recipientId: recipient.recipientId, channel, alreadyBatched: !added });
  };
}
