import { PROFILE_LIMITS, storedProfileSchema, userProfileSchema } from '../../../src/recipients/user-profile';

const categories = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`category-${i}`, false]));

describe('userProfileSchema limits', () => {
  it(`accepts ${PROFILE_LIMITS.maxCategories} category preferences and refuses one more, naming the field and the limit`, () => {
    expect(userProfileSchema.safeParse({ preferences: { categories: categories(PROFILE_LIMITS.maxCategories) } }).success).toBe(true);
    const over = userProfileSchema.safeParse({ preferences: { categories: categories(PROFILE_LIMITS.maxCategories + 1) } });
    expect(over.success).toBe(false);
    expect(over.error?.issues).toEqual([
      expect.objectContaining({
        path: ['preferences', 'categories'],
        message: `preferences.categories holds ${PROFILE_LIMITS.maxCategories + 1} categories, more than the limit of 200; keep only the opt-outs the user set`,
      }),
    ]);
  });

  it('refuses a category named "__proto__" instead of dropping that opt-out without a word', () => {
    const parsed = userProfileSchema.safeParse(JSON.parse('{"preferences":{"categories":{"__proto__":false,"news":false}}}'));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['preferences', 'categories'], message: expect.stringContaining('"__proto__"') });
  });

  it('keeps categories named "constructor" and "toString" as own entries', () => {
    const parsed = userProfileSchema.parse({ preferences: { categories: { constructor: false, toString: true } } });
    expect(Object.entries(parsed.preferences.categories)).toEqual([
      ['constructor', false],
      ['toString', true],
    ]);
  });

  it('refuses a time zone longer than any IANA name before asking Intl about it', () => {
    const parsed = userProfileSchema.safeParse({ timeZone: `Europe/${'x'.repeat(100)}` });
    expect(parsed.error?.issues[0]).toMatchObject({
      path: ['timeZone'],
      message: expect.stringContaining(`at most ${PROFILE_LIMITS.maxTimeZoneLength} characters`),
    });
  });

  it('still reads back a profile an older release stored over the limits, so its user keeps resolving', () => {
    const stored = { pushTokens: Array.from({ length: 25 }, (_, i) => `t${i}`), preferences: { categories: categories(300) } };
    const read = storedProfileSchema.parse(stored);
    expect(Object.keys(read.preferences.categories)).toHaveLength(300);
    expect(read.pushTokens).toHaveLength(25);
  });
});
