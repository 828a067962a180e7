import { countSmsSegments } from '../channels/sms-segments';
import type { RenderedContent } from '../channels/types';
import type { HeraldConfig } from '../config/schema';
import { PermanentError } from '../shared/errors';

// Stateless and costly to build: one for the module.
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Cuts `text` to at most `max` user-perceived characters (grapheme clusters), ending with "…",
 * so an emoji, a flag or an accented letter built from several code points is never split.
 * Text within the limit comes back unchanged.
 */
export function truncateGraphemes(text: string, max: number): string {
  // A grapheme is at least one UTF-16 unit: a string this short cannot be over the limit.
  if (text.length <= max) return text;
  // Walk only as far as needed (a long body need not be segmented to its end); `kept` ends
  // the first max - 1 graphemes, which leave room for the ellipsis.
  let kept = 0;
  let count = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    count += 1;
    if (count > max) return `${text.slice(0, kept).trimEnd()}…`;
    if (count < max) kept = index + segment.length;
  }
  return text;
}

/** Cuts a push title and body to `channels.push.maxTitleLength` / `maxBodyLength`. */
export function applyPushLimits(content: RenderedContent, limits: Pick<HeraldConfig['channels']['push'], 'maxTitleLength' | 'maxBodyLength'>): RenderedContent {
  return { ...content, title: truncateGraphemes(content.title, limits.maxTitleLength), text: truncateGraphemes(content.text, limits.maxBodyLength) };
}

/** What produced an SMS body, for the error that refuses it. */
export interface SmsSource {
  /** E.g. `template "alert"` or `the built-in digest`. */
  label: string;
  /** Locale the text is written in. */
  locale: string;
  /** What to shorten, e.g. `templates.alert.locales.fr.sms.text`. */
  shorten: string;
  /** True when tracking parameters were added to its links (they count too). */
  tracked?: boolean;
}

/**
 * Refuses an SMS body longer than `maxSegments`: carriers bill every segment and some drop long
 * concatenated messages, so a template that grew too long must fail loudly rather than cost more.
 * @throws PermanentError `sms_too_long` naming the source, the count, the encoding and the limit.
 */
export function checkSmsLength(text: string, maxSegments: number, source: SmsSource): void {
  const { segments, encoding, units } = countSmsSegments(text);
  if (segments <= maxSegments) return;
  const unit = encoding === 'GSM-7' ? 'GSM-7 characters' : 'UCS-2 code units (the text has characters outside the GSM alphabet)';
  const tracking = source.tracked ? ', tracking parameters included' : '';
  throw new PermanentError(
    `SMS from ${source.label} (locale ${source.locale}) is too long: field text takes ${segments} segments ` +
      `(${units} ${unit}${tracking}), more than channels.sms.maxSegments = ${maxSegments}. ` +
      `Shorten ${source.shorten}, or raise channels.sms.maxSegments.`,
    'sms_too_long',
  );
}
