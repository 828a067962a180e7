import { addDays, instantsAt, wallTimeAt, type LocalDate } from './zoned';

/** A user's quiet hours: 'HH:MM' 24-hour local wall times, as in their profile (src/recipients/user-profile.ts). */
export interface QuietHours {
  /** First minute of quiet, inclusive. */
  start: string;
  /** First minute no longer quiet, exclusive; earlier than `start` when the window wraps midnight (22:00–07:00). */
  end: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutesOf(hhmm: string): number {
  const match = HHMM.exec(hhmm);
  if (!match) throw new RangeError(`quiet hours time ${JSON.stringify(hhmm)} is not HH:MM (24-hour), such as 22:00`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * Epoch ms at which the quiet window containing `nowMs` ends, or null when `nowMs` is outside quiet
 * hours (or `start` equals `end`, which means none).
 *
 * Whether `nowMs` is quiet is decided by the wall clock of `timeZone` alone, so both passes through a
 * repeated fall-back hour count, and a window lying wholly in a spring-forward gap is never quiet.
 * The window ends at the first instant after `nowMs` at which the clock reads `end` on the day the
 * window closes: its first occurrence when clocks fall back (the second one when `nowMs` is already
 * past the first), and the end of the gap when `end` does not exist that day. The result is always
 * later than `nowMs`.
 */
export function quietUntil(nowMs: number, timeZone: string, window: QuietHours): number | null {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return null;
  const wall = wallTimeAt(nowMs, timeZone);
  const minute = wall.hour * 60 + wall.minute;
  const wraps = end < start;
  const quiet = wraps ? minute >= start || minute < end : minute >= start && minute < end;
  if (!quiet) return null;
  // A wrapped window entered before midnight ends tomorrow; every other quiet moment ends today.
  const endDay = wraps && minute >= start ? addDays(wall, 1) : wall;
  return firstInstantAfter(nowMs, endDay, end, timeZone);
}

/**
 * The earliest instant after `afterMs` at which the clock reads `minuteOfDay` on `date`. One always
 * exists for the window's end day: `afterMs` reads earlier than `minuteOfDay` on that day, or is the day before.
 */
function firstInstantAfter(afterMs: number, date: LocalDate, minuteOfDay: number, timeZone: string): number {
  const found = instantsAt(date, minuteOfDay, timeZone).find((ms) => ms > afterMs);
  if (found !== undefined) return found;
  const day = `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
  throw new Error(
    `quiet hours end (minute ${minuteOfDay} of ${day}, ${timeZone}) is not after ${new Date(afterMs).toISOString()}; a bug in quiet-hours, ` +
      `please report the zone and instant`,
  );
}
