import { z } from 'zod';
import { LIMITS } from './limits';
import { CHANNELS, CHANNELS_V1, EVENT_TYPES, PRIORITIES } from './vocabulary';

/** Byte length of a value serialised as JSON, the way it travels on Kafka. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

export const eventId = z.string().trim().min(1, 'id must not be empty').max(LIMITS.maxIdLength, `id is longer than ${LIMITS.maxIdLength} characters`);

export const recipient = z
  .string()
  .trim()
  .min(1, 'a recipient must not be empty')
  .max(LIMITS.maxRecipientLength, `a recipient is longer than ${LIMITS.maxRecipientLength} characters`);

export const payload = z.record(z.string(), z.unknown()).refine((p) => jsonBytes(p) <= LIMITS.maxPayloadBytes, {
  message: `payload is larger than ${LIMITS.maxPayloadBytes} bytes as JSON; send a reference (URL or id) instead of the content`,
});

export const recipients = z
  .array(recipient)
  .min(1, 'recipients must list at least one recipient')
  .max(LIMITS.maxRecipients, `recipients lists more than ${LIMITS.maxRecipients}; split the audience into several events`);

/** Version 1 channels: `webhook` arrived with version 2. */
export const channelsV1 = z.array(z.enum(CHANNELS_V1)).min(1, 'channels must list at least one channel');
/** Version 2 channels. */
export const channels = z.array(z.enum(CHANNELS)).min(1, 'channels must list at least one channel');

export const isoInstant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2026-01-31T09:00:00Z' });

/**
 * Version 1 of the event, exactly as producers already emit it (no `version` field).
 * Kept so old producers never break; the worker upcasts it to {@link EventV2} on arrival.
 */
export const eventV1Schema = z
  .object({
    id: eventId,
    type: z.enum(EVENT_TYPES),
    priority: z.enum(PRIORITIES),
    payload,
    recipients,
    channels: channelsV1,
    createdAt: isoInstant,
    deduplicationKey: eventId.optional(),
  })
  .strict();

export type EventV1 = z.infer<typeof eventV1Schema>;
