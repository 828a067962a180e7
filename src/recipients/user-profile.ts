import { z } from 'zod';
import { CHANNELS, EVENT_TYPES } from '../contract/event-v1';
import { isIanaTimeZone, localeTag } from '../contract/tags';

/** E.164: a plus, then 8 to 15 digits. */
export const e164 = z.string().regex(/^\+[1-9]\d{7,14}$/, 'phone must be in E.164 form, such as +14155550100');

const timeZone = z.string().refine(isIanaTimeZone, { message: 'timeZone must be an IANA time zone such as Europe/Paris' });

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM, 24-hour');

/**
 * A user in herald's directory, written with `PUT /api/users/:id`.
 * Preferences: `channels.email: false` opts out of a channel; `types.marketing: false` opts out
 * of a type (critical transactional and alert events bypass type opt-outs, never channel opt-outs).
 */
export const userProfileSchema = z
  .object({
    email: z.email('email must be a valid address').max(320).optional(),
    phone: e164.optional(),
    pushTokens: z.array(z.string().min(1).max(4096)).max(20, 'at most 20 push tokens per user').default([]),
    locale: localeTag.default('en'),
    timeZone: timeZone.default('UTC'),
    quietHours: z.object({ start: hhmm, end: hhmm }).strict().optional(),
    preferences: z
      .object({
        channels: z.partialRecord(z.enum(CHANNELS), z.boolean()).default({}),
        types: z.partialRecord(z.enum(EVENT_TYPES), z.boolean()).default({}),
        categories: z.record(z.string().min(1).max(100), z.boolean()).default({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** A stored user profile, defaults filled. */
export type UserProfile = z.infer<typeof userProfileSchema>;
