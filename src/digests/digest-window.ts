import { Cron } from 'croner';

/**
 * When a digest rule's windows close, as the config declares it (src/config/schema.ts), with `every`
 * already parsed to ms. Exactly one of `every` and `cron` is set.
 */
export type DigestWindow = {
  /** Fixed windows of this many ms, aligned to the Unix epoch. */
  every?: number;
  /** Windows closing at each time of this cron expression (croner syntax: five fields, or six with seconds first). */
  cron?: string;
  /** Zone `cron` is read in: an IANA zone, or 'recipient' for the recipient's own. */
  timeZone: string;
};

/** Enough steps to leave any instant croner might return that is not after the arrival; a real schedule needs one. */
const MAX_STEPS = 3;

/**
 * Epoch ms at which the digest window that an item arriving at `arrivalMs` belongs to closes; always
 * later than `arrivalMs`, so an arrival exactly on a boundary joins the next window.
 *
 * `every`: the next multiple of `every` since the epoch (15m closes at :00, :15, :30, :45 UTC).
 * `cron`: the next time of the cron after `arrivalMs` in the window's zone, or in
 * `recipientTimeZone` when that is 'recipient'. croner keeps wall times across DST: "0 9 * * *"
 * closes at 09:00 local on both sides of a change. A time that does not exist that day (02:30 in
 * Europe/Paris on 2026-03-29) closes when the gap ends (03:00 local). A daily time that occurs
 * twice as clocks fall back (02:30 on 2026-10-25) closes at its first occurrence only, while an
 * hourly cron closes in both passes through the repeated hour.
 *
 * Throws when the cron never fires again (e.g. "0 0 30 2 *"): the config accepted a pattern no
 * calendar has, and the rule must be given a reachable one.
 */
export function windowEndOf(window: DigestWindow, arrivalMs: number, recipientTimeZone: string): number {
  if (window.every !== undefined) {
    if (!(window.every > 0)) throw new RangeError(`digest window every=${window.every} must be a positive number of ms, such as 900000 for 15m`);
    return Math.floor(arrivalMs / window.every) * window.every + window.every;
  }
  if (window.cron === undefined) throw new RangeError('digest window needs every or cron, e.g. { every: 900000 } or { cron: "0 9 * * *" }');
  const timeZone = window.timeZone === 'recipient' ? recipientTimeZone : window.timeZone;
  return nextCronTime(window.cron, timeZone, arrivalMs);
}

function nextCronTime(pattern: string, timeZone: string, afterMs: number): number {
  // Paused with no callback: croner only computes, it never schedules a timer.
  const cron = new Cron(pattern, { paused: true, timezone: timeZone });
  let from = afterMs;
  for (let step = 0; step < MAX_STEPS; step++) {
    const next = cron.nextRun(new Date(from))?.getTime();
    if (next === undefined) {
      throw new RangeError(
        `digest cron ${JSON.stringify(pattern)} has no time after ${new Date(afterMs).toISOString()} in ${timeZone}; give the rule a cron ` +
          `that fires, such as "0 9 * * *"`,
      );
    }
    if (next > afterMs) return next;
    from = Math.max(next, from) + 1;
  }
  throw new Error(
    `croner kept returning times not after ${new Date(afterMs).toISOString()} for ${JSON.stringify(pattern)} in ${timeZone}; a croner bug, please report it`,
  );
}

/** The label of the window closing at `endMs`: its ISO 8601 UTC time, e.g. '2026-03-29T07:00:00.000Z'. Part of deterministic digest ids. */
export function windowLabel(endMs: number): string {
  return new Date(endMs).toISOString();
}
