import { z } from 'zod';
import { channels, eventId, isoInstant, payload, recipients } from './event-v1';
import { EVENT_TYPES, PRIORITIES } from './vocabulary';
import { LIMITS } from './limits';
import { localeTag } from './tags';
import { parseDuration } from '../time/duration';

const name = z.string().trim().min(1).max(LIMITS.maxNameLength, `must be at most ${LIMITS.maxNameLength} characters`);

/**
 * Version 2 of the event, the shape every stage after intake works with.
 * Adds, over v1: `version: 2`; `template` (defaults to the type's template); `locale`
 * (overrides the recipient's); `category` (finer-grained opt-outs than `type`); `sendAt`
 * (deliver no earlier than this UTC instant) or `delay` (deliver this long after `createdAt`).
 */
export const eventV2Schema = z
  .object({
    version: z.literal(2),
    id: eventId,
    type: z.enum(EVENT_TYPES),
    priority: z.enum(PRIORITIES),
    template: name.optional(),
    locale: localeTag.optional(),
    category: name.optional(),
    payload,
    recipients,
    channels,
    createdAt: isoInstant,
    sendAt: isoInstant.optional(),
    delay: z
      .string()
      .refine((d) => (parseDuration(d) ?? 0) > 0, { message: 'delay must be a duration such as "15m", "2h", "1d" or ISO 8601 "PT15M", at most 100 years' })
      .optional(),
    deduplicationKey: eventId.optional(),
  })
  .strict()
  .refine((e) => e.sendAt === undefined || e.delay === undefined, { message: 'give sendAt or delay, not both', path: ['delay'] });

export type EventV2 = z.infer<typeof eventV2Schema>;

/**
 * When the event may be delivered, epoch ms: `sendAt`, else `createdAt` + `delay`, else `createdAt`.
 * Computed from the event alone, so every worker and every redelivery agrees on it.
 */
export function dueAtOf(event: Pick<EventV2, 'createdAt' | 'sendAt' | 'delay'>): number {
  if (event.sendAt) return Date.parse(event.sendAt);
  const created = Date.parse(event.createdAt);
  return event.delay ? created + (parseDuration(event.delay) ?? 0) : created;
}
/** The event as the pipeline sees it: always the latest version. */
export type NotificationEvent = EventV2;
