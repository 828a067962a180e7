import { z } from 'zod';
import { Cron } from 'croner';
import { isIanaTimeZone, localeTag } from '../contract/tags';
import { durationSchema } from '../time/duration';

/*
 * The value types several config sections share. Each carries a `title` (its short name, the type
 * column of docs/configuration.md) and a `description` (what a valid value looks like, the legend
 * of that document); a field using one gives its own description on top.
 */

/** A whole number above zero. */
export const positiveInt = z.number().int().positive();

/** A length of time: a string such as "15m" or "PT15M", or a number of ms. Parses to ms. */
export const duration = durationSchema.meta({
  title: 'duration',
  description:
    'A length of time: "500ms", "90s", "15m", "2h", "1d", "1w", ISO 8601 without years or months ("PT15M", "P1DT12H"), or a number of ' +
    'milliseconds; at most 100 years.',
});

/** A cron expression that fires at least once (30 February never does). */
export const cronExpression = z
  .string()
  .refine(
    (expr) => {
      try {
        const cron = new Cron(expr, { paused: true });
        // A pattern that never fires (30 February) would leave its digests waiting forever.
        const fires = cron.nextRun() !== null;
        cron.stop();
        return fires;
      } catch {
        return false;
      }
    },
    { message: 'not a valid cron expression that ever fires; use five fields like "*/5 * * * *" (or six with seconds first)' },
  )
  .meta({
    title: 'cron expression',
    description:
      'Five fields (minute hour day-of-month month day-of-week), such as "*/5 * * * *" or "0 9 * * 1-5", or six with seconds ' +
      'first; it must fire at least once.',
  });

/** A name used in Redis keys and metrics: letters, digits, dot, dash, underscore. */
export const slug = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use 1 to 64 letters, digits, dot, dash or underscore')
  .meta({ title: 'slug', description: '1 to 64 letters, digits, dots, dashes or underscores (it becomes part of Redis keys and metric labels).' });

/** An IANA time zone that `Intl` knows. */
export const ianaTimeZone = z
  .string()
  .refine(isIanaTimeZone, { message: 'not an IANA time zone; use one such as Europe/Paris or UTC' })
  .meta({ title: 'IANA time zone', description: 'A time zone of the IANA database, such as Europe/Paris, America/New_York or UTC.' });

/** A BCP 47 language tag. */
export const locale = localeTag.meta({ title: 'locale tag', description: 'A BCP 47 language tag such as en, fr or fr-CA.' });

/** An http(s) URL. */
export const httpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://partner.example/hooks/herald' })
  .meta({ title: 'URL', description: 'An http: or https: URL.' });

/** The shared value types, in the order the legend of docs/configuration.md lists them. */
export const VALUE_TYPES: readonly z.ZodType[] = [duration, cronExpression, ianaTimeZone, locale, slug, httpUrl];
