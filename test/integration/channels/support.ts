import type { OutboundMessage } from '../../../src/channels/types';
import type { Channel } from '../../../src/contract/vocabulary';
import { uniqueName } from '../../support/infra';

/** An outbound message with unique ids, as the dispatcher would hand it to a provider. */
export function outbound(channel: Channel, to: string[], overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  const eventId = uniqueName('evt');
  const recipientId = uniqueName('user');
  const deliveryId = `${eventId}|${recipientId}|${channel}`;
  return {
    deliveryId,
    idempotencyKey: deliveryId,
    eventId,
    channel,
    recipientId,
    to,
    content: { subject: 'Disk <almost> full', text: 'Free some space & retry', html: '<p>Free some space &amp; retry</p>', title: 'Disk full' },
    meta: { type: 'alert', priority: 'high', createdAt: '2026-03-01T10:00:00.000Z', payload: { host: 'db-1' } },
    ...overrides,
  };
}
