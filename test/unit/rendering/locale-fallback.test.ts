import { parseConfig } from '../../../src/config/load-config';
import type { HeraldConfigInput } from '../../../src/config/schema';
import { PermanentError } from '../../../src/shared/errors';
import { localeCandidates } from '../../../src/rendering/locale-fallback';
import { createRenderer, resolveTemplate } from '../../../src/rendering/render';

const event = { id: 'evt-1', type: 'transactional', priority: 'normal', createdAt: '2026-03-01T10:00:00Z', payload: { name: 'Zoé' } };

const welcome: HeraldConfigInput['templates'] = {
  welcome: {
    email: { subject: 'Welcome {{payload.name}}', text: 'Hello in {{locale}}' },
    sms: { text: 'Hi {{payload.name}}' },
    locales: {
      fr: { email: { subject: 'Bienvenue {{payload.name}}', text: 'Bonjour en {{locale}} pour {{recipientLocale}}' } },
      'fr-CA': { sms: { text: 'Allô {{payload.name}}' } },
      'zh-Hant': { email: { subject: '歡迎', text: '你好' } },
    },
  },
};

describe('localeCandidates', () => {
  it('walks each shorter prefix, then the default locale', () => {
    expect(localeCandidates('fr-CA', 'en')).toEqual(['fr-CA', 'fr', 'en']);
    expect(localeCandidates('zh-Hant-TW', 'en')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh', 'en']);
  });

  it('reads an underscore as a dash, drops duplicates ignoring case, and copes with no locale', () => {
    expect(localeCandidates('EN_us', 'en')).toEqual(['EN-us', 'EN']);
    expect(localeCandidates(undefined, 'de')).toEqual(['de']);
    expect(localeCandidates('  ', 'de')).toEqual(['de']);
  });
});

describe('resolveTemplate', () => {
  const config = parseConfig({ templates: welcome });

  it('takes the exact locale when it has the channel', () => {
    expect(resolveTemplate(config, 'welcome', 'sms', 'fr-CA')).toEqual({
      template: { text: 'Allô {{payload.name}}' },
      locale: 'fr-CA',
      path: 'templates.welcome.locales.fr-CA.sms',
    });
  });

  it('falls back fr-CA → fr when fr-CA does not translate the channel (whole template, not per field)', () => {
    const found = resolveTemplate(config, 'welcome', 'email', 'fr-CA');
    expect(found?.locale).toBe('fr');
    expect(found?.path).toBe('templates.welcome.locales.fr.email');
    expect(found?.template.subject).toBe('Bienvenue {{payload.name}}');
  });

  it('falls back fr-CA → fr → the base template in the default locale', () => {
    const found = resolveTemplate(config, 'welcome', 'sms', 'fr-FR');
    expect(found).toEqual({ template: { text: 'Hi {{payload.name}}' }, locale: 'en', path: 'templates.welcome.sms' });
  });

  it('uses the base template for a locale with no translation, and for no locale at all', () => {
    expect(resolveTemplate(config, 'welcome', 'email', 'de-AT')?.path).toBe('templates.welcome.email');
    expect(resolveTemplate(config, 'welcome', 'email')?.path).toBe('templates.welcome.email');
  });

  it('walks three-part tags: zh-Hant-TW → zh-Hant', () => {
    expect(resolveTemplate(config, 'welcome', 'email', 'zh-Hant-TW')?.locale).toBe('zh-Hant');
    expect(resolveTemplate(config, 'welcome', 'email', 'zh-Hans-CN')?.locale).toBe('en');
  });

  it('matches locale tags ignoring case and reports the key as configured', () => {
    const found = resolveTemplate(config, 'welcome', 'sms', 'FR-ca');
    expect(found?.locale).toBe('fr-CA');
    expect(resolveTemplate(config, 'welcome', 'email', 'ZH-HANT')?.locale).toBe('zh-Hant');
  });

  it('prefers locales[defaultLocale] over the base template', () => {
    const withDefault = parseConfig({ defaultLocale: 'en', templates: { t: { sms: { text: 'base' }, locales: { en: { sms: { text: 'english' } } } } } });
    expect(resolveTemplate(withDefault, 't', 'sms', 'it')?.path).toBe('templates.t.locales.en.sms');
  });

  it('labels the base template with the configured defaultLocale', () => {
    const german = parseConfig({ defaultLocale: 'de', templates: welcome });
    expect(resolveTemplate(german, 'welcome', 'sms', 'es')?.locale).toBe('de');
  });

  it('finds nothing for an unknown name, a channel with no template, or a prototype key', () => {
    expect(resolveTemplate(config, 'nope', 'email', 'fr')).toBeUndefined();
    expect(resolveTemplate(config, 'welcome', 'push', 'fr')).toBeUndefined();
    expect(resolveTemplate(config, 'constructor', 'email', 'fr')).toBeUndefined();
  });
});

describe('render in the recipient locale', () => {
  const renderer = createRenderer(parseConfig({ templates: welcome }));

  it('renders the resolved translation with locale and recipientLocale', () => {
    const out = renderer.render({ templateName: 'welcome', channel: 'email', event, locale: 'fr-CA' });
    expect(out.subject).toBe('Bienvenue Zoé');
    expect(out.text).toBe('Bonjour en fr pour fr-CA');
  });

  it('renders the base template when the locale has no translation', () => {
    const out = renderer.render({ templateName: 'welcome', channel: 'email', event, locale: 'pt-BR' });
    expect(out.subject).toBe('Welcome Zoé');
    expect(out.text).toBe('Hello in en');
  });

  it('names template, locale, channel, field and path when a translation is broken', () => {
    const broken = createRenderer(parseConfig({ templates: { welcome: { email: { text: 'ok' }, locales: { fr: { email: { text: '{{#if x}}' } } } } } }));
    let error: unknown;
    try {
      broken.render({ templateName: 'welcome', channel: 'email', event, locale: 'fr-BE' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PermanentError);
    const message = (error as PermanentError).message;
    expect((error as PermanentError).code).toBe('template_error');
    expect(message).toContain('Template "welcome" (locale fr, channel email, field text)');
    expect(message).toContain('Fix templates.welcome.locales.fr.email.text');
    // The base template still renders for other locales: one broken translation breaks only its own.
    expect(broken.render({ templateName: 'welcome', channel: 'email', event, locale: 'de' }).text).toBe('ok');
  });
});
