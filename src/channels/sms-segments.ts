/** How a carrier encodes an SMS body: the 7-bit GSM alphabet when every character is in it, else UCS-2. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** What sending a text as SMS costs. */
export interface SmsSegments {
  encoding: SmsEncoding;
  /** Messages the carrier sends (and bills); 0 for an empty text. */
  segments: number;
  /** Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  units: number;
}

/** GSM 03.38 basic character set: one septet each. `\x1b` (escape) is left out: it is not text. */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** GSM 03.38 extension table: sent as escape + character, two septets each. */
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

/** Units per message: a single message, and each part of a concatenated one (the rest holds the UDH). */
const LIMITS = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
} as const satisfies Record<SmsEncoding, { single: number; part: number }>;

/**
 * Counts the segments a carrier needs for `text`: GSM-7 when every character is in the GSM
 * alphabet (160 septets in one message, 153 per part when concatenated), else UCS-2 (70 / 67
 * UTF-16 code units). A character never straddles two parts: an escape sequence or a surrogate
 * pair that does not fit moves whole to the next part, as handsets and carriers do, so the count
 * can exceed `ceil(units / perPart)`.
 */
export function countSmsSegments(text: string): SmsSegments {
  // Iterating a string yields code points, so a surrogate pair is one character of width 2.
  const chars = [...text];
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const widths = chars.map((c) => (gsm ? (GSM_EXTENSION.has(c) ? 2 : 1) : c.length));
  const units = widths.reduce((sum, w) => sum + w, 0);
  const limit = LIMITS[encoding];

  if (units === 0) return { encoding, segments: 0, units };
  if (units <= limit.single) return { encoding, segments: 1, units };
  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > limit.part) {
      segments += 1;
      used = 0;
    }
    used += width;
  }
  return { encoding, segments, units };
}
