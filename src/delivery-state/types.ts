import type { Channel } from '../contract/event-v1';

/**
 * Where one delivery (event × recipient × channel) stands.
 * `sending` is a lease: a worker is calling the provider; `sent` is final for the send-once ledger.
 * `batched` waits for a digest; `skipped` was not sent on purpose (opt-out, disabled channel);
 * `failed` will never be sent (unknown user, no address, permanent provider error);
 * `dead-lettered` failed and was written to the DLQ topic for on-call.
 */
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'batched', 'skipped', 'failed', 'dead-lettered'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The stored record of one delivery, as returned by `GET /api/notifications/:id`. */
export interface DeliveryRecord {
  recipientId: string;
  channel: Channel;
  status: DeliveryStatus;
  /** Why it is skipped/failed, as a stable code (`opted_out_channel`, `unknown_user`, `no_address`…). */
  reason?: string;
  /** Human-readable detail of the last error. */
  detail?: string;
  provider?: string;
  providerMessageId?: string;
  /** Digest that carried this delivery, when it was batched. */
  digestId?: string;
  attempts: number;
  /** ISO instant of the last change. */
  updatedAt: string;
  /** Epoch ms until which a `sending` lease is held. */
  leaseUntil?: number;
}
