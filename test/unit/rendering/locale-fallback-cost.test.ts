import { parseConfig } from '../../../src/config/load-config';
import { localeCandidates, resolveTemplate } from '../../../src/rendering/locale-fallback';
import { LINEAR_AT_8X, growthAt8x } from '../../support/cost-growth';

/**
 * Schemas refuse locales over 100 characters, but batch items stored before that limit, and any
 * caller of these functions, may hold longer ones: walking them must stay linear (issue 15, finding 3:
 * `en` + `-ab`×3000 blocked the event loop for 9 s).
 */
const longTag = (n: number) => `en${'-ab'.repeat(n)}`;

describe('locale fallback cost', () => {
  it('localeCandidates grows linearly with the tag', () => {
    expect(growthAt8x(longTag, (tag) => localeCandidates(tag, 'en'), 150)).toBeLessThan(LINEAR_AT_8X);
  });

  it('resolveTemplate grows linearly with the tag', () => {
    const config = parseConfig({
      templates: { welcome: { email: { text: 'Hi' }, locales: { fr: { email: { text: 'Salut' } }, 'fr-CA': { email: { text: 'Allô' } } } } },
    });
    expect(resolveTemplate(config, 'welcome', 'email', longTag(10))?.path).toBe('templates.welcome.email');
    expect(growthAt8x(longTag, (tag) => resolveTemplate(config, 'welcome', 'email', tag), 150)).toBeLessThan(LINEAR_AT_8X);
  });

  it('still lists every prefix of a long tag, longest first, then the default locale', () => {
    const chain = localeCandidates(longTag(1000), 'de');
    expect(chain).toHaveLength(1002);
    expect(chain.slice(-3)).toEqual(['en-ab', 'en', 'de']);
    expect(chain[0]).toBe(longTag(1000));
  });
});
