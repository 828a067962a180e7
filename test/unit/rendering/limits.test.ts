import { countSmsSegments } from '../../../src/channels/sms-segments';
import { parseConfig } from '../../../src/config/load-config';
import type { HeraldConfigInput } from '../../../src/config/schema';
import { PermanentError } from '../../../src/shared/errors';
import { truncateGraphemes } from '../../../src/rendering/limits';
import { createRenderer } from '../../../src/rendering/render';

const FAMILY = '👨‍👩‍👧'; // one grapheme, five code points, eight UTF-16 units
const graphemeCount = (s: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].length;
const event = (payload: Record<string, unknown>) => ({ id: 'e', type: 'alert', priority: 'high', createdAt: '2026-03-01T10:00:00Z', payload });

function thrown(fn: () => unknown): PermanentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PermanentError);
    return error as PermanentError;
  }
  throw new Error('expected a PermanentError, nothing was thrown');
}

describe('truncateGraphemes', () => {
  it('returns text within the limit unchanged, even when it has more code units than the limit', () => {
    expect(truncateGraphemes('short', 5)).toBe('short');
    expect(truncateGraphemes(FAMILY.repeat(3), 3)).toBe(FAMILY.repeat(3));
  });

  it('cuts to the limit including the ellipsis, never splitting an emoji or a combining accent', () => {
    const out = truncateGraphemes(`Hi ${FAMILY.repeat(8)}`, 10);
    expect(out).toBe(`Hi ${FAMILY.repeat(6)}…`);
    expect(graphemeCount(out)).toBe(10);
    const accents = 'e\u0301'.repeat(6); // "é" built from e + combining acute
    expect(truncateGraphemes(accents, 4)).toBe(`${'e\u0301'.repeat(3)}…`);
    expect(truncateGraphemes('🇫🇷🇩🇪🇮🇹', 2)).toBe('🇫🇷…');
  });

  it('drops the space before the ellipsis and copes with a limit of one', () => {
    expect(truncateGraphemes('Hello wonderful world', 7)).toBe('Hello…');
    expect(truncateGraphemes('Hello', 1)).toBe('…');
  });
});

describe('push limits in render', () => {
  const templates: HeraldConfigInput['templates'] = {
    alert: { push: { title: '{{payload.title}}', text: '{{payload.message}}' }, in_app: { title: '{{payload.title}}', text: '{{payload.message}}' } },
  };

  it('cuts push title and body to maxTitleLength / maxBodyLength with "…"', () => {
    const r = createRenderer(parseConfig({ templates, channels: { push: { maxTitleLength: 10, maxBodyLength: 12 } } }));
    const out = r.render({
      templateName: 'alert',
      channel: 'push',
      event: event({ title: `Hi ${FAMILY.repeat(8)}`, message: 'Ünïcödé ✓ body that is far too long' }),
    });
    expect(out.title).toBe(`Hi ${FAMILY.repeat(6)}…`);
    expect(out.text).toBe('Ünïcödé ✓ b…');
    expect(graphemeCount(out.text)).toBe(12);
  });

  it('uses the defaults (65 / 240) and leaves in_app alone', () => {
    const r = createRenderer(parseConfig({ templates }));
    const long = { title: 'T'.repeat(100), message: 'B'.repeat(300) };
    const push = r.render({ templateName: 'alert', channel: 'push', event: event(long) });
    expect(push.title).toBe(`${'T'.repeat(64)}…`);
    expect(push.text).toBe(`${'B'.repeat(239)}…`);
    const inApp = r.render({ templateName: 'alert', channel: 'in_app', event: event(long) });
    expect(inApp.title).toBe(long.title);
    expect(inApp.text).toBe(long.message);
  });
});

describe('SMS segments in render', () => {
  const templates: HeraldConfigInput['templates'] = {
    alert: { sms: { text: '{{payload.message}}' }, locales: { ru: { sms: { text: 'Внимание: {{payload.message}}' } } } },
  };
  const renderer = createRenderer(parseConfig({ templates, channels: { sms: { maxSegments: 2 } } }));
  const sms = (message: string, locale?: string) => renderer.render({ templateName: 'alert', channel: 'sms', event: event({ message }), locale });

  it('sends GSM-7 text up to the limit (2 × 153 characters) and refuses one character more', () => {
    expect(sms('a'.repeat(306)).text).toHaveLength(306);
    const error = thrown(() => sms('a'.repeat(307)));
    expect(error.code).toBe('sms_too_long');
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('template "alert" (locale en)');
    expect(error.message).toContain('field text takes 3 segments');
    expect(error.message).toContain('GSM-7');
    expect(error.message).toContain('channels.sms.maxSegments = 2');
    expect(error.message).toContain('Shorten templates.alert.sms.text, or raise channels.sms.maxSegments');
  });

  it('counts UCS-2 (67 units per part) when a character is outside the GSM alphabet', () => {
    const prefix = 'Внимание: ';
    const fits = 'ж'.repeat(134 - prefix.length);
    expect(countSmsSegments(prefix + fits)).toEqual({ encoding: 'UCS-2', segments: 2, units: 134 });
    expect(sms(fits, 'ru-RU').text).toBe(prefix + fits);
    const error = thrown(() => sms(`${fits}ж`, 'ru-RU'));
    expect(error.code).toBe('sms_too_long');
    expect(error.message).toContain('template "alert" (locale ru)');
    expect(error.message).toContain('UCS-2');
    expect(error.message).toContain('templates.alert.locales.ru.sms.text');
  });

  it('refuses a text that one emoji turns from one GSM-7 segment into three UCS-2 ones', () => {
    expect(sms('a'.repeat(150)).text).toHaveLength(150);
    const error = thrown(() => sms(`${'a'.repeat(150)}😀`));
    expect(error.message).toContain('takes 3 segments (152 UCS-2');
  });

  it('counts the tracking parameters added to links', () => {
    const tracked = createRenderer(
      parseConfig({ templates, channels: { sms: { maxSegments: 1 } }, attribution: { channels: { sms: { utm_source: 'herald', utm_medium: 'sms' } } } }),
    );
    const message = `Open https://x.test/ ${'a'.repeat(100)}`;
    expect(countSmsSegments(message).segments).toBe(1);
    const error = thrown(() => tracked.render({ templateName: 'alert', channel: 'sms', event: event({ message }) }));
    expect(error.message).toContain('tracking parameters included');
  });

  it('checks payload fallbacks too, naming what to shorten', () => {
    const error = thrown(() => renderer.render({ templateName: 'other', channel: 'sms', event: event({ message: 'x'.repeat(400) }) }));
    expect(error.code).toBe('sms_too_long');
    expect(error.message).toContain('payload.message (or add templates.other.sms)');
  });
});
