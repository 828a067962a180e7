import { parseConfig } from '../../../src/config/load-config';
import { LIMITS } from '../../../src/contract/limits';
import { parseEventObject } from '../../../src/contract/parse-event';
import { userProfileSchema } from '../../../src/recipients/user-profile';
import { v2Event } from './sample-events';

/** A well-formed BCP 47 tag (`en-abcdefgh-…`) of exactly `length` characters, `length` ≥ 2. */
function tagOf(length: number): string {
  let tag = 'en';
  while (tag.length < length) tag += `-${'abcdefgh'.slice(0, Math.min(8, Math.max(2, length - tag.length - 1)))}`;
  return tag.slice(0, length);
}

const TOO_LONG = `locale is longer than ${LIMITS.maxNameLength} characters`;

describe('locale tags: at most LIMITS.maxNameLength characters on every path', () => {
  const longest = tagOf(LIMITS.maxNameLength);
  const over = tagOf(LIMITS.maxNameLength + 1);

  it('builds tags of the lengths the tests need', () => {
    expect([longest.length, over.length]).toEqual([LIMITS.maxNameLength, LIMITS.maxNameLength + 1]);
    expect(over).toMatch(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/);
  });

  it('event: accepts a 100-character locale and refuses a 101-character one, naming the limit', () => {
    expect(parseEventObject(v2Event({ locale: longest })).ok).toBe(true);
    const result = parseEventObject(v2Event({ locale: over }));
    expect(result).toMatchObject({ ok: false, code: 'schema_violation', issues: [{ path: 'locale', message: expect.stringContaining(TOO_LONG) }] });
  });

  it('event: refuses a 9 KB locale with the length issue alone', () => {
    const result = parseEventObject(v2Event({ locale: `en${'-ab'.repeat(3000)}` }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([{ path: 'locale', message: expect.stringContaining(TOO_LONG) }]);
  });

  it('user profile: accepts a 100-character locale and refuses a 101-character one, naming the limit', () => {
    expect(userProfileSchema.safeParse({ locale: longest }).success).toBe(true);
    const parsed = userProfileSchema.safeParse({ locale: over });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: ['locale'], message: expect.stringContaining(TOO_LONG) })]);
  });

  it('config: refuses a 101-character defaultLocale, naming the field and the limit', () => {
    expect(parseConfig({ defaultLocale: longest }).defaultLocale).toBe(longest);
    expect(() => parseConfig({ defaultLocale: over }, 'test-config.json')).toThrow(`defaultLocale: ${TOO_LONG}`);
  });

  it('config: refuses a 101-character key under templates.<name>.locales, naming the key and the limit', () => {
    const templates = (locale: string) => ({ welcome: { email: { text: 'Hi' }, locales: { [locale]: { email: { text: 'Salut' } } } } });
    expect(Object.keys(parseConfig({ templates: templates(longest) }).templates.welcome!.locales)).toEqual([longest]);
    expect(() => parseConfig({ templates: templates(over) }, 'test-config.json')).toThrow(`templates.welcome.locales.${over}`);
    expect(() => parseConfig({ templates: templates(over) }, 'test-config.json')).toThrow(TOO_LONG);
  });
});
