/**
 * Wall-clock arithmetic in IANA time zones with nothing but `Intl`: what a zone's clock reads at an
 * instant, and at which instants it reads a given local time. DST makes the second question have
 * zero answers (the spring-forward gap) or two (the repeated fall-back hour); callers decide which
 * they want, so this module returns every candidate instead of guessing.
 */

/** A calendar date in some zone; `month` is 1-12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** What a zone's clock reads at an instant (to the second). */
export interface WallTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building one costs far more than using it. Zones are validated names, so the map stays small. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (cause) {
      throw new RangeError(`unknown time zone ${JSON.stringify(timeZone)}; use an IANA zone such as Europe/Paris or UTC`, { cause });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local date and time that `timeZone`'s clock shows at `ms`. */
export function wallTimeAt(ms: number, timeZone: string): WallTime {
  const wall: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type in wall) wall[part.type as keyof WallTime] = Number(part.value);
  }
  // Some ICU versions print midnight as 24 even with h23.
  wall.hour %= 24;
  return wall;
}

/** Epoch ms of a wall time read as if it were UTC (years below 100 included, which Date.UTC would shift). */
function asUtc(date: LocalDate, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(date.year, date.month - 1, date.day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** The zone's UTC offset at `ms`, in ms (east positive: Europe/Paris in summer is +7,200,000). */
export function offsetAt(ms: number, timeZone: string): number {
  const w = wallTimeAt(ms, timeZone);
  return asUtc(w, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** The date `days` days after `date` (negative goes back), on the calendar, not counting hours. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(asUtc(date) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instants at which `timeZone`'s clock reads `minuteOfDay` (minutes after midnight) on `date`,
 * earliest first: one on an ordinary day, two when that time repeats as clocks fall back, and when
 * it falls in a spring-forward gap, the single instant the gap ends (the clock's first reading after
 * the missing time, e.g. 03:00 for 02:30 in Europe/Paris on 2026-03-29).
 */
export function instantsAt(date: LocalDate, minuteOfDay: number, timeZone: string): number[] {
  const wallAsUtc = asUtc(date, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  // A day's worth either side reaches past any transition near this time (zones change at most once a day).
  const before = offsetAt(wallAsUtc - DAY_MS, timeZone);
  const after = offsetAt(wallAsUtc + DAY_MS, timeZone);
  const found = [...new Set([before, after])]
    .map((offset) => wallAsUtc - offset)
    .filter((ms) => offsetAt(ms, timeZone) === wallAsUtc - ms)
    .sort((a, b) => a - b);
  if (found.length > 0 || before === after) return found;
  return [transitionBetween(wallAsUtc - after, wallAsUtc - before, timeZone)];
}

/**
 * The first second in (lo, hi] whose offset differs from lo's: the instant a gap ends. Offsets
 * change on whole seconds, so a binary search over seconds finds it in under 20 steps for any gap.
 */
function transitionBetween(lo: number, hi: number, timeZone: string): number {
  const startOffset = offsetAt(lo, timeZone);
  let low = Math.floor(lo / 1000);
  let high = Math.ceil(hi / 1000);
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (offsetAt(mid * 1000, timeZone) === startOffset) low = mid;
    else high = mid;
  }
  return high * 1000;
}
