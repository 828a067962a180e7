import { z } from 'zod';
import { CHANNELS, EVENT_TYPES } from '../contract/vocabulary';
import { isIanaTimeZone, localeTag } from '../contract/tags';

/**
 * Sizes a profile may have. Every resolution of the user reads and parses the whole profile, so
 * none of it may grow without bound: 200 category preferences and 20 push tokens are far more than
 * a real user sets.
 */
export const PROFILE_LIMITS = { maxCategories: 200, maxCategoryLength: 100, maxPushTokens: 20, maxPushTokenLength: 4096, maxTimeZoneLength: 64 } as const;

/** E.164: a plus, then 8 to 15 digits. */
export const e164 = z.string().regex(/^\+[1-9]\d{7,14}$/, 'phone must be in E.164 form, such as +14155550100');

const timeZone = z
  .string()
  .max(PROFILE_LIMITS.maxTimeZoneLength, `timeZone must be an IANA time zone such as Europe/Paris (at most ${PROFILE_LIMITS.maxTimeZoneLength} characters)`)
  .refine(isIanaTimeZone, { message: 'timeZone must be an IANA time zone such as Europe/Paris' });

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM, 24-hour');

/**
 * Category opt-outs, checked before they are parsed: at most `max` of them (when given), and no
 * `__proto__`, which zod leaves out of the parsed object, so that opt-out would vanish without a word.
 */
function categories(max: number | undefined) {
  return z.preprocess(
    (raw, ctx) => {
      if (raw === null || typeof raw !== 'object') return raw;
      if (Object.hasOwn(raw, '__proto__'))
        ctx.addIssue({ code: 'custom', input: raw, message: 'preferences.categories cannot hold a category named "__proto__"; rename that category' });
      const count = Object.keys(raw).length;
      if (max !== undefined && count > max) {
        ctx.addIssue({
          code: 'custom',
          input: raw,
          message: `preferences.categories holds ${count} categories, more than the limit of ${max}; keep only the opt-outs the user set`,
        });
      }
      return raw;
    },
    z.record(z.string().min(1).max(PROFILE_LIMITS.maxCategoryLength), z.boolean()).default({}),
  );
}

/** The profile schema, with or without the size limits (see {@link storedProfileSchema}). */
function profileSchema(limited: boolean) {
  const tokens = z.array(z.string().min(1).max(PROFILE_LIMITS.maxPushTokenLength));
  return z
    .object({
      email: z.email('email must be a valid address').max(320).optional(),
      phone: e164.optional(),
      pushTokens: (limited ? tokens.max(PROFILE_LIMITS.maxPushTokens, `at most ${PROFILE_LIMITS.maxPushTokens} push tokens per user`) : tokens).default([]),
      locale: localeTag.default('en'),
      timeZone: timeZone.default('UTC'),
      quietHours: z.object({ start: hhmm, end: hhmm }).strict().optional(),
      preferences: z
        .object({
          channels: z.partialRecord(z.enum(CHANNELS), z.boolean()).default({}),
          types: z.partialRecord(z.enum(EVENT_TYPES), z.boolean()).default({}),
          categories: categories(limited ? PROFILE_LIMITS.maxCategories : undefined),
        })
        .strict()
        .prefault({}),
    })
    .strict();
}

/**
 * A user in herald's directory, written with `PUT /api/users/:id` (which refuses one over
 * {@link PROFILE_LIMITS} with a 400 naming the field and the limit).
 * Preferences: `channels.email: false` opts out of a channel; `types.marketing: false` opts out
 * of a type (critical transactional and alert events bypass type opt-outs, never channel opt-outs).
 */
export const userProfileSchema = profileSchema(true);

/**
 * How a stored profile is read back: the same fields and defaults, without the count limits, so a
 * profile an older release stored over them still resolves (its next write must respect them).
 */
export const storedProfileSchema = profileSchema(false);

/** A stored user profile, defaults filled. */
export type UserProfile = z.infer<typeof userProfileSchema>;
