import { z } from 'zod';
import { LIMITS } from './limits';

/**
 * A BCP 47 language tag as herald accepts it (events, user profiles, config `defaultLocale` and
 * template `locales` keys): `en`, `fr-CA`, `zh-Hant-TW`, at most {@link LIMITS.maxNameLength} characters.
 * The length is checked first and stops the checks: a real tag is a few dozen characters, and
 * every locale is walked prefix by prefix on each delivery (src/rendering/locale-fallback.ts).
 */
export const localeTag = z
  .string()
  .max(LIMITS.maxNameLength, { message: `locale is longer than ${LIMITS.maxNameLength} characters; use a BCP 47 tag such as en, fr-CA`, abort: true })
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'locale must be a BCP 47 tag such as en, fr-CA');

/** Zones already found valid: building an `Intl.DateTimeFormat` costs ~50 µs, and every user profile read names one. */
const knownZones = new Set<string>();

/** Whether `Intl` knows `tz` as a time zone (an IANA name such as Europe/Paris, or UTC). */
export function isIanaTimeZone(tz: string): boolean {
  if (knownZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    return false;
  }
  // Only valid names are kept, so the set is bounded by the zones Intl knows (a few hundred).
  knownZones.add(tz);
  return true;
}
