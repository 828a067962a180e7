import bundledConfig from '../../../config/notification-config';
import { parseConfig } from '../../../src/config/load-config';
import { checkTemplates } from '../../../src/rendering/render';

describe('checkTemplates', () => {
  it('finds nothing wrong in the bundled config', () => {
    expect(checkTemplates(parseConfig(bundledConfig))).toEqual([]);
  });

  it('lists every broken field with its path and a message naming the fix', () => {
    const config = parseConfig({
      templates: {
        alert: { email: { subject: '{{#if x}}open', text: 'fine {{payload.a}}' }, sms: { text: '{{nope payload.a}}' } },
        ok: { push: { title: 'T', text: '{{#each payload.list}}{{this}}{{/each}}' } },
      },
      digestTemplates: { email: { html: '{{/each}}' } },
    });
    const problems = checkTemplates(config);
    expect(problems.map((p) => p.path).sort()).toEqual(['digestTemplates.email.html', 'templates.alert.email.subject', 'templates.alert.sms.text']);
    const subject = problems.find((p) => p.path === 'templates.alert.email.subject');
    expect(subject?.message).toContain('does not compile');
    expect(subject?.message).toContain('Fix templates.alert.email.subject');
    expect(problems.find((p) => p.path === 'templates.alert.sms.text')?.message).toContain('Missing helper');
  });

  it('checks every translation, with its locale path', () => {
    const config = parseConfig({
      templates: {
        welcome: {
          email: { subject: 'Welcome', text: 'ok {{locale}}' },
          locales: { fr: { email: { subject: '{{#if x}}Bienvenue' } }, 'fr-CA': { sms: { text: '{{unknown payload.a}}' }, push: { title: 'ok' } } },
        },
      },
      digestTemplates: { push: { text: '{{count}} {{listed}} {{more}} {{locale}}' } },
    });
    const problems = checkTemplates(config);
    expect(problems.map((p) => p.path)).toEqual(['templates.welcome.locales.fr.email.subject', 'templates.welcome.locales.fr-CA.sms.text']);
    expect(problems[0]?.message).toContain('Template "welcome" (locale fr, channel email, field subject) does not compile');
    expect(problems[1]?.message).toContain('Missing helper');
  });
});
