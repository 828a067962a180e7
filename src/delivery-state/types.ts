import type { z } from 'zod';
import type { Channel } from '../contract/event-v1';
import type { statusMessageSchema } from '../contract/status-message';

/**
 * Where one delivery (event × recipient × channel) stands. The main path is
 * `pending → sent → delivered | failed | bounced`:
 * - `pending`: planned for immediate dispatch; `sending`: a worker holds the send lease (internal, not published);
 * - `deferred`: a retriable failure (or every provider paused or broken): it waits in the retry store until `nextAttemptAt`;
 * - `sent`: the provider accepted it (final for the send-once ledger: it is never sent again);
 * - `delivered`: the receiver confirmed it (Twilio callback, in-app inbox, webhook 2xx);
 * - `failed`: it will never arrive (unknown user, no address, or a provider reporting non-delivery after `sent`);
 * - `bounced`: the provider refused the recipient's address itself (unknown mailbox, unregistered push token);
 * - `dead-lettered`: it failed for good and is on the DLQ topic for on-call;
 * - `batched`: waits for a digest; `skipped`: not sent on purpose (opt-out, disabled channel).
 */
export const DELIVERY_STATUSES = ['pending', 'sending', 'deferred', 'sent', 'delivered', 'failed', 'bounced', 'dead-lettered', 'batched', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

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
 * One change of a delivery's status, as published to `notifications.status`. Inferred from the
 * published contract (src/contract/status-message.ts), so the publisher cannot drift from it.
 */
export type StatusChange = z.infer<typeof statusMessageSchema>;
