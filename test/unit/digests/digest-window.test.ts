import { windowEndOf, windowLabel } from '../../../src/digests/digest-window';
import { wallTimeAt } from '../../../src/time/zoned';

/** Instants are written with the zone's offset at that moment, so each case reads as local wall time. */
const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const dailyAt9 = { cron: '0 9 * * *', timeZone: 'recipient' };

describe('windowEndOf', () => {
  describe('every', () => {
    const quarter = { every: 15 * MINUTE, timeZone: 'UTC' };

    it.each([
      ['2026-03-29T00:00:00.001Z', '2026-03-29T00:15:00Z'],
      ['2026-03-29T00:14:59.999Z', '2026-03-29T00:15:00Z'],
      ['2026-03-29T00:15:00Z', '2026-03-29T00:30:00Z'],
      ['2026-03-29T23:50:00Z', '2026-03-30T00:00:00Z'],
    ])('15m: an item arriving at %s waits for %s', (arrival, end) => {
      expect(windowEndOf(quarter, at(arrival), 'UTC')).toBe(at(end));
    });

    it('is aligned to the epoch, not to any zone: a recipient in Kolkata shares the UTC quarter hours', () => {
      expect(windowEndOf({ every: 15 * MINUTE, timeZone: 'recipient' }, at('2026-03-29T00:20:00Z'), 'Asia/Kolkata')).toBe(at('2026-03-29T00:30:00Z'));
      expect(windowEndOf({ every: HOUR, timeZone: 'recipient' }, at('2026-03-29T00:20:00Z'), 'Asia/Kolkata')).toBe(at('2026-03-29T01:00:00Z'));
    });

    it('refuses a length that is not positive instead of returning a window in the past', () => {
      expect(() => windowEndOf({ every: 0, timeZone: 'UTC' }, 0, 'UTC')).toThrow(/must be a positive number of ms/);
    });
  });

  describe('cron, daily at 09:00 in the recipient zone', () => {
    it.each([
      ['Europe/Paris', '2026-03-28T10:00:00+01:00', '2026-03-29T09:00:00+02:00'],
      ['Europe/Paris', '2026-10-24T10:00:00+02:00', '2026-10-25T09:00:00+01:00'],
      ['America/New_York', '2026-03-07T10:00:00-05:00', '2026-03-08T09:00:00-04:00'],
      ['America/New_York', '2026-10-31T10:00:00-04:00', '2026-11-01T09:00:00-05:00'],
      ['Australia/Lord_Howe', '2026-04-04T10:00:00+11:00', '2026-04-05T09:00:00+10:30'],
      ['Asia/Kolkata', '2026-06-01T08:59:00+05:30', '2026-06-01T09:00:00+05:30'],
    ])('in %s, an item arriving at %s (across DST where there is one) waits for %s', (zone, arrival, end) => {
      expect(windowEndOf(dailyAt9, at(arrival), zone)).toBe(at(end));
    });

    it('an arrival exactly at 09:00 goes to the next day; a millisecond earlier, to the same day', () => {
      expect(windowEndOf(dailyAt9, at('2026-03-29T09:00:00+02:00'), 'Europe/Paris')).toBe(at('2026-03-30T09:00:00+02:00'));
      expect(windowEndOf(dailyAt9, at('2026-03-29T08:59:59.999+02:00'), 'Europe/Paris')).toBe(at('2026-03-29T09:00:00+02:00'));
    });

    it('a rule with its own zone ignores the recipient zone', () => {
      const parisRule = { cron: '0 9 * * *', timeZone: 'Europe/Paris' };
      expect(windowEndOf(parisRule, at('2026-06-01T00:00:00Z'), 'America/New_York')).toBe(at('2026-06-01T09:00:00+02:00'));
    });

    // Checked against the wall clock as Intl reads it, independently of croner.
    it.each(['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'])('lands on the next 09:00 local every day of 2026 in %s', (zone) => {
      const wrong: string[] = [];
      let checked = 0;
      for (let arrival = at('2026-01-01T00:00:00Z'); arrival < at('2027-01-01T00:00:00Z'); arrival += 7 * HOUR + 13 * MINUTE, checked++) {
        const end = windowEndOf(dailyAt9, arrival, zone);
        const arrived = wallTimeAt(arrival, zone);
        const closes = wallTimeAt(end, zone);
        const days = (Date.UTC(closes.year, closes.month - 1, closes.day) - Date.UTC(arrived.year, arrived.month - 1, arrived.day)) / (24 * HOUR);
        const right = closes.hour === 9 && closes.minute === 0 && closes.second === 0 && days === (arrived.hour < 9 ? 0 : 1) && end > arrival;
        if (!right) wrong.push(`${new Date(arrival).toISOString()} -> ${new Date(end).toISOString()}`);
      }
      expect(wrong).toEqual([]);
      expect(checked).toBeGreaterThan(1200);
    });
  });

  describe('cron at a time DST skips or repeats (Europe/Paris, 02:30 daily)', () => {
    const at0230 = { cron: '30 2 * * *', timeZone: 'Europe/Paris' };

    it('on spring-forward day, when 02:30 does not exist, closes when the gap ends (03:00 summer time)', () => {
      expect(windowEndOf(at0230, at('2026-03-28T12:00:00+01:00'), 'UTC')).toBe(at('2026-03-29T03:00:00+02:00'));
      expect(windowEndOf(at0230, at('2026-03-29T01:59:59+01:00'), 'UTC')).toBe(at('2026-03-29T03:00:00+02:00'));
    });

    it('an arrival at that very instant goes to the next day, never to the past', () => {
      expect(windowEndOf(at0230, at('2026-03-29T03:00:00+02:00'), 'UTC')).toBe(at('2026-03-30T02:30:00+02:00'));
    });

    it('on fall-back day closes at the first 02:30 only; the second pass waits for the next day', () => {
      expect(windowEndOf(at0230, at('2026-10-24T12:00:00+02:00'), 'UTC')).toBe(at('2026-10-25T02:30:00+02:00'));
      expect(windowEndOf(at0230, at('2026-10-25T02:30:00+02:00'), 'UTC')).toBe(at('2026-10-26T02:30:00+01:00'));
      expect(windowEndOf(at0230, at('2026-10-25T02:00:00+01:00'), 'UTC')).toBe(at('2026-10-26T02:30:00+01:00'));
    });

    it('an hourly cron closes in both passes through the repeated hour', () => {
      const hourly = { cron: '30 * * * *', timeZone: 'Europe/Paris' };
      expect(windowEndOf(hourly, at('2026-10-25T02:30:00+02:00'), 'UTC')).toBe(at('2026-10-25T02:30:00+01:00'));
    });
  });

  describe('cron with seconds (six fields, seconds first)', () => {
    it('closes at the second it names, strictly after the arrival', () => {
      const window = { cron: '30 0 9 * * *', timeZone: 'UTC' };
      expect(windowEndOf(window, at('2026-06-01T09:00:00Z'), 'UTC')).toBe(at('2026-06-01T09:00:30Z'));
      expect(windowEndOf(window, at('2026-06-01T09:00:29.999Z'), 'UTC')).toBe(at('2026-06-01T09:00:30Z'));
      expect(windowEndOf(window, at('2026-06-01T09:00:30Z'), 'UTC')).toBe(at('2026-06-02T09:00:30Z'));
    });

    it('every ten seconds', () => {
      expect(windowEndOf({ cron: '*/10 * * * * *', timeZone: 'UTC' }, at('2026-06-01T12:00:05.500Z'), 'UTC')).toBe(at('2026-06-01T12:00:10Z'));
      expect(windowEndOf({ cron: '*/10 * * * * *', timeZone: 'UTC' }, at('2026-06-01T12:00:10Z'), 'UTC')).toBe(at('2026-06-01T12:00:20Z'));
    });
  });

  it('says what to fix when a cron never fires again', () => {
    expect(() => windowEndOf({ cron: '0 0 30 2 *', timeZone: 'UTC' }, at('2026-01-01T00:00:00Z'), 'UTC')).toThrow(
      /digest cron "0 0 30 2 \*" has no time after 2026-01-01T00:00:00.000Z in UTC; give the rule a cron that fires/,
    );
  });
});

describe('windowLabel', () => {
  it('is the ISO 8601 UTC time of the end, the same whatever zone produced it', () => {
    expect(windowLabel(at('2026-03-29T09:00:00+02:00'))).toBe('2026-03-29T07:00:00.000Z');
    expect(windowLabel(windowEndOf(dailyAt9, at('2026-03-28T10:00:00+01:00'), 'Europe/Paris'))).toBe('2026-03-29T07:00:00.000Z');
  });
});
