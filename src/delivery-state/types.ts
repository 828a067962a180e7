import type { Channel, DeliveryStatus } from '../contract/vocabulary';

/** The stored record of one delivery; `GET /api/notifications/:id` shows its listed fields (src/http/notification-view.ts). */
export interface DeliveryRecord {
  recipientId: string;
  channel: Channel;
  status: DeliveryStatus;
  /** Why it is skipped/failed/deferred, as a stable code (`opted_out_channel`, `unknown_user`, `smtp_transient`…). */
  reason?: string;
  /** Human-readable detail of the last error. */
  detail?: string;
  provider?: string;
  providerMessageId?: string;
  /** Digest that carried this delivery, when it was batched. */
  digestId?: string;
  /** Times on-call replayed it from the DLQ (`herald dlq replay`). */
  replays?: number;
  /** Provider calls made so far (a deferral because every provider was paused or open is not a call). */
  attempts: number;
  /** ISO instant of the next try, while `deferred`. */
  nextAttemptAt?: string;
  /** Addresses the provider refused while accepting the others (SMTP partial rejection), as a count. */
  rejectedRecipients?: number;
  /** ISO instant the provider accepted it; once set, the delivery is never sent again. */
  sentAt?: string;
  /** ISO instant of the last change. */
  updatedAt: string;
  /** Epoch ms until which a `sending` lease is held. */
  leaseUntil?: number;
}

/**
 * One change of a delivery's status, as published to `notifications.status`: the published
 * contract's own type (src/contract/status-message.ts), so the publisher cannot drift from it.
 */
export type { StatusChange } from '../contract/status-message';
