import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const SHORT = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
// ISO 8601 durations without years and months (their length depends on the calendar): P1D, PT15M, P1DT2H30M.
const ISO = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Longest duration herald reads anywhere (an event's `delay`, every duration in the config): 100
 * years. Far inside the range of a JavaScript Date (±273,790 years around 1970) from any instant
 * an event may carry (years 0000 to 9999), so `createdAt + delay` is always a valid time; an
 * unbounded one (`100000000000000000000d`) made `new Date(…).toISOString()` throw in the worker, and
 * the retry in place that followed stalled its partition.
 */
export const MAX_DURATION_MS = 100 * 365 * 86_400_000;

/**
 * Milliseconds of a duration written `90s`, `15m`, `2h`, `1d`, `1w`, `500ms`, or in ISO 8601
 * (`PT15M`, `P1DT12H`; no years or months, whose length depends on the calendar). Null when it is
 * neither, or longer than {@link MAX_DURATION_MS}.
 */
export function parseDuration(text: string): number | null {
  const ms = durationMs(text.trim());
  return ms !== null && Number.isFinite(ms) && ms <= MAX_DURATION_MS ? ms : null;
}

function durationMs(text: string): number | null {
  // Digit runs are bounded so that a megabyte of digits is not handed to Number() and the regex.
  if (text.length > 64) return null;
  const short = SHORT.exec(text);
  if (short) return Math.round(Number(short[1]) * UNIT_MS[short[2] as keyof typeof UNIT_MS]);
  const iso = ISO.exec(text);
  if (!iso || text === 'P' || text.endsWith('T')) return null;
  const [, w, d, h, m, s] = iso;
  const ms = Number(w ?? 0) * UNIT_MS.w + Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s;
  return Math.round(ms);
}

const HINT = 'a duration such as "90s", "15m", "2h", "1d" or ISO 8601 "PT15M", at most 100 years';

/** A positive duration in config or an event: a string as {@link parseDuration} reads it, or a number of ms. Parses to ms. */
export const durationSchema = z
  .union([z.number().int().positive().max(MAX_DURATION_MS, 'at most 100 years (3153600000000 ms)'), z.string()])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === null || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not ${HINT}` });
      return z.NEVER;
    }
    return ms;
  });
