import { z } from 'zod';
import { isoInstant } from './event-v1';
import { CHANNELS, DELIVERY_STATUSES } from './vocabulary';

/**
 * The value of one message on `notifications.status` (JSON): one change of one delivery
 * (event × recipient × channel). Published by src/delivery-state/status-publisher.ts, keyed by
 * `eventId`, at least once (a consumer may see a change twice and should treat it as idempotent).
 * `StatusChange` (src/delivery-state/types.ts) is inferred from it, so the publisher cannot drift.
 * Optional fields are absent, never null, when they do not apply. `sending` is in the enum because
 * it is a stored status, but it is an internal lease and never published.
 * Not strict: consumers should ignore fields they do not know, so herald can add some.
 * The descriptions are published in schema/asyncapi.json.
 */
export const statusMessageSchema = z.object({
  eventId: z.string().describe('The event id, also the message key.'),
  recipientId: z.string().describe('A user id, webhook:<endpoint>, or direct:<hash> for a direct address (never the address itself).'),
  channel: z.enum(CHANNELS),
  status: z
    .enum(DELIVERY_STATUSES)
    .describe(
      'pending: planned; deferred: waits for a retry (nextAttemptAt); sent: the provider accepted it; delivered: the receiver confirmed it; ' +
        'failed: it will never arrive; bounced: the address was refused; dead-lettered: on the DLQ topic; batched: waits for a digest; ' +
        'skipped: not sent on purpose (opt-out, disabled channel, frequency cap, stale). sending is internal and never published.',
    ),
  attempts: z.number().int().nonnegative().describe('Provider calls made so far.'),
  provider: z.string().optional().describe('Provider of the last try (smtp, twilio, fcm, webhook, in-app, an outbox sink).'),
  providerMessageId: z.string().optional().describe("The provider's id of the message, once it accepted it."),
  reason: z.string().optional().describe('Stable code of why: opted_out_channel, unknown_user, quiet_hours, frequency_capped, stale, smtp_rejected…'),
  detail: z.string().optional().describe('The last error or decision, in words.'),
  nextAttemptAt: isoInstant.optional().describe('When it is tried again (deferred) or the digest goes out (batched).'),
  at: isoInstant.describe('When the change happened (UTC).'),
});

/** One change of a delivery's status, as published to `notifications.status`. */
export type StatusChange = z.infer<typeof statusMessageSchema>;
