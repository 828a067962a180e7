import { quietUntil } from '../../../src/time/quiet-hours';

/** Instants are written with the zone's offset at that moment, so each case reads as local wall time. */
const at = (iso: string) => Date.parse(iso);
const night = { start: '22:00', end: '07:00' };

describe('quietUntil', () => {
  describe('in UTC', () => {
    const lunch = { start: '13:00', end: '14:00' };

    it.each([
      ['2026-06-01T13:00:00Z', '2026-06-01T14:00:00Z'],
      ['2026-06-01T13:59:59.999Z', '2026-06-01T14:00:00Z'],
      ['2026-06-01T14:00:00Z', null],
      ['2026-06-01T12:59:59.999Z', null],
    ])('a window not wrapping midnight (13:00-14:00) at %s ends %s', (now, end) => {
      expect(quietUntil(at(now), 'UTC', lunch)).toBe(end === null ? null : at(end));
    });

    it.each([
      ['2026-06-01T22:00:00Z', '2026-06-02T07:00:00Z'],
      ['2026-06-01T23:59:00Z', '2026-06-02T07:00:00Z'],
      ['2026-06-02T00:00:00Z', '2026-06-02T07:00:00Z'],
      ['2026-06-02T06:59:59Z', '2026-06-02T07:00:00Z'],
      ['2026-06-02T07:00:00Z', null],
      ['2026-06-01T21:59:59Z', null],
      ['2026-06-01T12:00:00Z', null],
    ])('a window wrapping midnight (22:00-07:00) at %s ends %s', (now, end) => {
      expect(quietUntil(at(now), 'UTC', night)).toBe(end === null ? null : at(end));
    });

    it('start equal to end means no quiet hours, at that minute or any other', () => {
      const none = { start: '09:00', end: '09:00' };
      expect(quietUntil(at('2026-06-01T09:00:00Z'), 'UTC', none)).toBeNull();
      expect(quietUntil(at('2026-06-01T03:00:00Z'), 'UTC', none)).toBeNull();
    });
  });

  describe('in Europe/Paris (02:00 -> 03:00 on 2026-03-29, 03:00 -> 02:00 on 2026-10-25)', () => {
    it('a night spanning spring forward ends at 07:00 summer time', () => {
      expect(quietUntil(at('2026-03-28T23:00:00+01:00'), 'Europe/Paris', night)).toBe(at('2026-03-29T07:00:00+02:00'));
    });

    it('a night spanning fall back ends at 07:00 winter time', () => {
      expect(quietUntil(at('2026-10-24T23:00:00+02:00'), 'Europe/Paris', night)).toBe(at('2026-10-25T07:00:00+01:00'));
    });

    it('an end in the spring-forward gap (02:30) ends when the gap does, at 03:00 summer time', () => {
      const window = { start: '22:00', end: '02:30' };
      expect(quietUntil(at('2026-03-28T23:30:00+01:00'), 'Europe/Paris', window)).toBe(at('2026-03-29T03:00:00+02:00'));
      expect(quietUntil(at('2026-03-29T01:59:59+01:00'), 'Europe/Paris', window)).toBe(at('2026-03-29T03:00:00+02:00'));
      expect(quietUntil(at('2026-03-29T03:00:00+02:00'), 'Europe/Paris', window)).toBeNull();
    });

    it('a start in the gap is quiet from the first wall time after it', () => {
      const window = { start: '02:00', end: '04:00' };
      expect(quietUntil(at('2026-03-29T01:59:00+01:00'), 'Europe/Paris', window)).toBeNull();
      expect(quietUntil(at('2026-03-29T03:00:00+02:00'), 'Europe/Paris', window)).toBe(at('2026-03-29T04:00:00+02:00'));
    });

    it('an end in the repeated hour ends at its first occurrence', () => {
      const window = { start: '22:00', end: '02:30' };
      expect(quietUntil(at('2026-10-24T23:00:00+02:00'), 'Europe/Paris', window)).toBe(at('2026-10-25T02:30:00+02:00'));
    });

    it('both passes through the repeated hour are quiet, each ending at the next 02:30', () => {
      const window = { start: '01:00', end: '02:30' };
      expect(quietUntil(at('2026-10-25T02:15:00+02:00'), 'Europe/Paris', window)).toBe(at('2026-10-25T02:30:00+02:00'));
      expect(quietUntil(at('2026-10-25T02:45:00+02:00'), 'Europe/Paris', window)).toBeNull();
      // The clock reads 02:15 again an hour later: quiet again, and its first 02:30 is already past.
      expect(quietUntil(at('2026-10-25T02:15:00+01:00'), 'Europe/Paris', window)).toBe(at('2026-10-25T02:30:00+01:00'));
    });
  });

  describe('in America/New_York (02:00 -> 03:00 on 2026-03-08, 02:00 -> 01:00 on 2026-11-01)', () => {
    it('a night spanning spring forward ends at 07:00 EDT', () => {
      expect(quietUntil(at('2026-03-07T22:30:00-05:00'), 'America/New_York', night)).toBe(at('2026-03-08T07:00:00-04:00'));
    });

    it('a night spanning fall back ends at 07:00 EST', () => {
      expect(quietUntil(at('2026-10-31T23:00:00-04:00'), 'America/New_York', night)).toBe(at('2026-11-01T07:00:00-05:00'));
    });

    it('an end in the gap (02:15) ends at 03:00 EDT', () => {
      expect(quietUntil(at('2026-03-08T01:30:00-05:00'), 'America/New_York', { start: '00:00', end: '02:15' })).toBe(at('2026-03-08T03:00:00-04:00'));
    });

    it('01:30 is quiet in both passes, each ending at the 01:45 that follows it', () => {
      const window = { start: '01:00', end: '01:45' };
      expect(quietUntil(at('2026-11-01T01:30:00-04:00'), 'America/New_York', window)).toBe(at('2026-11-01T01:45:00-04:00'));
      expect(quietUntil(at('2026-11-01T01:50:00-04:00'), 'America/New_York', window)).toBeNull();
      expect(quietUntil(at('2026-11-01T01:30:00-05:00'), 'America/New_York', window)).toBe(at('2026-11-01T01:45:00-05:00'));
    });
  });

  describe('in zones with unusual offsets', () => {
    it('Asia/Kolkata (+05:30, no DST)', () => {
      expect(quietUntil(at('2026-06-01T22:15:00+05:30'), 'Asia/Kolkata', night)).toBe(at('2026-06-02T07:00:00+05:30'));
      expect(quietUntil(at('2026-06-01T21:45:00+05:30'), 'Asia/Kolkata', night)).toBeNull();
      // 16:15 UTC is 21:45 in Kolkata: an hour-only offset would call it quiet.
      expect(quietUntil(at('2026-06-01T16:15:00Z'), 'Asia/Kolkata', night)).toBeNull();
    });

    // Lord Howe moves its clocks by 30 minutes: 02:00 -> 01:30 on 2026-04-05, 02:00 -> 02:30 on 2026-10-04.
    it('Australia/Lord_Howe: nights spanning both changes end at 07:00 local', () => {
      expect(quietUntil(at('2026-04-04T23:00:00+11:00'), 'Australia/Lord_Howe', night)).toBe(at('2026-04-05T07:00:00+10:30'));
      expect(quietUntil(at('2026-10-03T23:00:00+10:30'), 'Australia/Lord_Howe', night)).toBe(at('2026-10-04T07:00:00+11:00'));
    });

    it('Australia/Lord_Howe: an end in the half-hour gap ends at 02:30 daylight time', () => {
      expect(quietUntil(at('2026-10-03T23:00:00+10:30'), 'Australia/Lord_Howe', { start: '22:00', end: '02:15' })).toBe(at('2026-10-04T02:30:00+11:00'));
    });

    it('Australia/Lord_Howe: the repeated half hour is quiet in both passes', () => {
      const window = { start: '01:00', end: '01:45' };
      expect(quietUntil(at('2026-04-05T01:40:00+11:00'), 'Australia/Lord_Howe', window)).toBe(at('2026-04-05T01:45:00+11:00'));
      expect(quietUntil(at('2026-04-05T01:40:00+10:30'), 'Australia/Lord_Howe', window)).toBe(at('2026-04-05T01:45:00+10:30'));
    });

    it('Pacific/Apia skipped 2011-12-30: a night ending that day ends when Dec 31 begins', () => {
      expect(quietUntil(at('2011-12-29T23:00:00-10:00'), 'Pacific/Apia', night)).toBe(at('2011-12-31T00:00:00+14:00'));
    });
  });

  // Every answer, wherever it lands, is a real end of quiet: later than now, quiet just before it, not at it,
  // and the same end seen from any earlier moment of that window.
  describe.each([
    ['Europe/Paris', '2026-03-28T12:00:00Z', '2026-10-24T12:00:00Z'],
    ['America/New_York', '2026-03-07T12:00:00Z', '2026-10-31T12:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T00:00:00Z', '2026-10-03T00:00:00Z'],
  ])('swept across both changes in %s', (zone, spring, fall) => {
    const windows = [night, { start: '01:00', end: '02:30' }, { start: '02:15', end: '03:15' }];
    it.each(windows.map((w) => [`${w.start}-${w.end}`, w] as const))('%s', (_, window) => {
      let checked = 0;
      for (const from of [at(spring), at(fall)]) {
        for (let now = from; now < from + 48 * 3_600_000; now += 13 * 60_000) {
          const end = quietUntil(now, zone, window);
          if (end === null) continue;
          expect(end).toBeGreaterThan(now);
          expect(quietUntil(end - 1, zone, window)).toBe(end);
          expect(quietUntil(end, zone, window)).toBeNull();
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(10);
    });
  });

  it('says what to fix for a malformed time or an unknown zone', () => {
    expect(() => quietUntil(0, 'UTC', { start: '7:00', end: '08:00' })).toThrow(/"7:00" is not HH:MM/);
    expect(() => quietUntil(0, 'Mars/Olympus', night)).toThrow(/unknown time zone "Mars\/Olympus"; use an IANA zone/);
  });
});
