import type { Channel } from '../contract/vocabulary';

/** Identifies one delivery: an event, a recipient, a channel. */
export interface DeliveryRef {
  eventId: string;
  recipientId: string;
  channel: Channel;
}

/** The delivery's field in its event's ledger hash: `recipientId|channel`. */
export const ledgerField = (ref: DeliveryRef) => `${ref.recipientId}|${ref.channel}`;

/** A delivery's stable id (`eventId|recipientId|channel`): its idempotency key, the same on every try. */
export const deliveryIdOf = (ref: DeliveryRef) => `${ref.eventId}|${ref.recipientId}|${ref.channel}`;

/**
 * The refs a delivery id may stand for. Event ids and user ids may themselves hold `|`, so an id
 * with more than two of them has one reading per split; the record that exists tells them apart.
 */
export function refsOfDeliveryId(deliveryId: string): DeliveryRef[] {
  const last = deliveryId.lastIndexOf('|');
  if (last < 0) return [];
  const channel = deliveryId.slice(last + 1) as Channel;
  const head = deliveryId.slice(0, last);
  const refs: DeliveryRef[] = [];
  for (let i = head.indexOf('|'); i >= 0; i = head.indexOf('|', i + 1)) refs.push({ eventId: head.slice(0, i), recipientId: head.slice(i + 1), channel });
  return refs;
}
