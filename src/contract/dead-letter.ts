import { z } from 'zod';
import { CHANNELS, EVENT_TYPES, PRIORITIES } from './vocabulary';
import type { EventV2 } from './event-v2';

/** Where a rejected message came from, so on-call can find it on the source topic. */
export const sourceCoordinatesSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  key: z.string().nullable(),
  /** The record's timestamp as an ISO instant, or its raw milliseconds when no date has it (see {@link sourceTimestamp}). */
  timestamp: z.string(),
});

/**
 * A record timestamp (ms since 1970, as kafkajs gives it) for a letter's `source.timestamp`: the ISO
 * instant, or the milliseconds as given when they are outside what a date holds. The producer sets
 * it, and brokers take any instant in the past: `-9000000000000000` made toISOString throw, the
 * letter was never written and the message was retried in place for ever, holding its partition.
 */
export function sourceTimestamp(ms: string): string {
  const date = new Date(Number(ms));
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
}

const common = {
  /** Stable code of the failure (`invalid_json`, `smtp_rejected`, `provider_timeout`…). */
  reason: z.string(),
  /** What happened, in words, with what to do. */
  message: z.string(),
  /** ISO instant herald gave up. */
  failedAt: z.string(),
};

/** A message on `notifications.incoming` that never became an event: kept with its raw bytes. */
export const invalidEventLetterSchema = z.object({
  kind: z.literal('invalid_event'),
  ...common,
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
  source: sourceCoordinatesSchema,
  /** The message value exactly as it arrived, base64; only its first bytes when `rawTruncated`. */
  rawBase64: z.string(),
  /** Set when the message was over the event size limit: `rawBase64` holds its first bytes only, so the letter fits on the DLQ topic. */
  rawTruncated: z.literal(true).optional(),
  /** Size of the whole message value in bytes, given with `rawTruncated`. */
  rawBytes: z.number().int().optional(),
});

/**
 * What a delivery's dead letter says of its event: enough to find it and judge the failure, and
 * nothing a reader of the DLQ topic should not see: no payload (reset links, codes, names) and no
 * recipients (direct addresses). The whole event stays in Redis with the delivery state for
 * `deliveryState.retentionSeconds`, where `herald dlq replay` takes it from. (Letters written before
 * this held the whole event; they still parse, the extra fields dropped.)
 */
export const letterEventSchema = z.object({
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  priority: z.enum(PRIORITIES),
  category: z.string().optional(),
  template: z.string().optional(),
  createdAt: z.string(),
  sendAt: z.string().optional(),
  channels: z.array(z.enum(CHANNELS)),
  /** How many recipients the event had. */
  recipientCount: z.number().int().optional(),
});

/** The event as a delivery letter carries it: see {@link letterEventSchema}. */
export type LetterEvent = z.infer<typeof letterEventSchema>;

/** The part of an event a dead letter keeps (an allow-list: a field added to events stays out until added here). */
export function letterEventOf(event: EventV2): LetterEvent {
  const { id, type, priority, category, template, createdAt, sendAt, channels } = event;
  return {
    id,
    type,
    priority,
    ...(category ? { category } : {}),
    ...(template ? { template } : {}),
    createdAt,
    ...(sendAt ? { sendAt } : {}),
    channels,
    recipientCount: event.recipients.length,
  };
}

/** One delivery (event × recipient × channel) that failed for good: its event's summary and the delivery's context, no payload or addresses. */
export const deliveryFailedLetterSchema = z.object({
  kind: z.literal('delivery_failed'),
  ...common,
  event: letterEventSchema,
  delivery: z.object({
    recipientId: z.string(),
    channel: z.enum(CHANNELS),
    provider: z.string(),
    /** Provider calls made, replays included. */
    attempts: z.number().int(),
    retriable: z.boolean(),
  }),
});

/** A digest that failed for good: which events it carried. */
export const digestFailedLetterSchema = z.object({
  kind: z.literal('digest_failed'),
  ...common,
  digest: z.object({
    digestId: z.string(),
    eventIds: z.array(z.string()),
    recipientId: z.string(),
    channel: z.enum(CHANNELS),
    provider: z.string(),
    attempts: z.number().int(),
    retriable: z.boolean(),
  }),
});

/**
 * The value of one message on `notifications.dlq` (JSON). Its headers repeat `kind` and
 * `reason` (`herald-dlq-kind`, `herald-dlq-reason`) so tools can filter without parsing it.
 */
export const deadLetterSchema = z.discriminatedUnion('kind', [invalidEventLetterSchema, deliveryFailedLetterSchema, digestFailedLetterSchema]);

/** A dead letter, as written by src/dlq/dlq-publisher.ts. */
export type DeadLetter = z.infer<typeof deadLetterSchema>;
/** Where a rejected message came from. */
export type SourceCoordinates = z.infer<typeof sourceCoordinatesSchema>;
