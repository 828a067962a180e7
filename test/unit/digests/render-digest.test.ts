import { parseConfig } from '../../../src/config/load-config';
import { PermanentError } from '../../../src/shared/errors';
import { createDigestRenderer, type DigestItem } from '../../../src/digests/render-digest';

const items: DigestItem[] = [
  { title: 'Deploy <done>', text: 'v1 & v2', eventId: 'e1', type: 'alert', createdAt: '2026-03-01T10:00:00Z' },
  { title: 'Invoice', text: 'Paid', eventId: 'e2', type: 'transactional', createdAt: '2026-03-01T10:01:00Z' },
];

describe('renderDigest', () => {
  it('uses a sensible default when no digest template is configured', () => {
    const out = createDigestRenderer(parseConfig({})).renderDigest('email', items);
    expect(out.subject).toBe('2 new notifications');
    expect(out.title).toBe('2 new notifications');
    expect(out.text).toBe('- Deploy <done>: v1 & v2\n- Invoice: Paid');
    expect(out.html).toBe('<ul><li><strong>Deploy &lt;done&gt;</strong>: v1 &amp; v2</li><li><strong>Invoice</strong>: Paid</li></ul>');
  });

  it('says "1 new notification" for one item', () => {
    expect(createDigestRenderer(parseConfig({})).renderDigest('push', items.slice(0, 1)).title).toBe('1 new notification');
  });

  it('renders the configured digest template with items and count, escaping only html', () => {
    const config = parseConfig({
      digestTemplates: {
        email: {
          subject: 'You have {{count}} new notifications',
          text: '{{#each items}}- {{title}}: {{text}}\n{{/each}}',
          html: '<ul>{{#each items}}<li>{{title}}</li>{{/each}}</ul>',
        },
      },
    });
    const out = createDigestRenderer(config).renderDigest('email', items);
    expect(out.subject).toBe('You have 2 new notifications');
    expect(out.title).toBe('You have 2 new notifications');
    expect(out.text).toBe('- Deploy <done>: v1 & v2\n- Invoice: Paid\n');
    expect(out.html).toBe('<ul><li>Deploy &lt;done&gt;</li><li>Invoice</li></ul>');
  });

  it('turns a custom text into html when the digest template has no html', () => {
    const config = parseConfig({ digestTemplates: { sms: { text: '{{count}} updates & more' } } });
    const out = createDigestRenderer(config).renderDigest('sms', items);
    expect(out.text).toBe('2 updates & more');
    expect(out.html).toBe('<p>2 updates &amp; more</p>');
    expect(out.subject).toBe('2 new notifications');
  });

  it('reports a broken digest template as template_error with its config path', () => {
    const config = parseConfig({ digestTemplates: { email: { text: '{{#each items}}no end' } } });
    let error: unknown;
    try {
      createDigestRenderer(config).renderDigest('email', items);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('template_error');
    expect((error as PermanentError).message).toContain('digestTemplates.email.text');
  });
});

describe('renderDigest({ channel, items, more, locale, templateName })', () => {
  it('counts the items it does not list and says "and N more" in the default digest', () => {
    const out = createDigestRenderer(parseConfig({})).renderDigest({ channel: 'email', items, more: 3 });
    expect(out.subject).toBe('5 new notifications');
    expect(out.text).toBe('- Deploy <done>: v1 & v2\n- Invoice: Paid\n...and 3 more');
    expect(out.html).toBe('<ul><li><strong>Deploy &lt;done&gt;</strong>: v1 &amp; v2</li><li><strong>Invoice</strong>: Paid</li></ul><p>...and 3 more</p>');
  });

  it('renders the same as the two-argument form when more is 0', () => {
    const r = createDigestRenderer(parseConfig({}));
    expect(r.renderDigest({ channel: 'email', items, more: 0 })).toEqual(r.renderDigest('email', items));
  });

  it('gives digest templates count, listed, more and locale', () => {
    const config = parseConfig({
      digestTemplates: { push: { title: '{{count}} updates', text: '{{listed}} shown{{#if more}}, {{more}} more{{/if}} ({{locale}}/{{recipientLocale}})' } },
    });
    const out = createDigestRenderer(config).renderDigest({ channel: 'push', items, more: 4, locale: 'de-AT' });
    expect(out.title).toBe('6 updates');
    expect(out.text).toBe('2 shown, 4 more (en/de-AT)');
  });

  it('uses the named template in the recipient locale before digestTemplates', () => {
    const config = parseConfig({
      templates: {
        weekly: {
          email: { subject: 'Your week: {{count}}', text: '{{#each items}}{{title}};{{/each}}' },
          locales: { fr: { email: { subject: 'Votre semaine : {{count}}', text: '{{#each items}}{{title}};{{/each}} +{{more}}' } } },
        },
      },
      digestTemplates: { email: { subject: 'generic' } },
    });
    const r = createDigestRenderer(config);
    const fr = r.renderDigest({ channel: 'email', items, more: 1, locale: 'fr-CA', templateName: 'weekly' });
    expect(fr.subject).toBe('Votre semaine : 3');
    expect(fr.text).toBe('Deploy <done>;Invoice; +1');
    expect(fr.html).toBe('<p>Deploy &lt;done&gt;;Invoice; +1</p>');
    expect(r.renderDigest({ channel: 'email', items, more: 0, locale: 'es', templateName: 'weekly' }).subject).toBe('Your week: 2');
    // The named template has no sms: digestTemplates has none either, so the built-in list.
    expect(r.renderDigest({ channel: 'sms', items, more: 0, templateName: 'weekly' }).text).toBe('- Deploy <done>: v1 & v2\n- Invoice: Paid');
    expect(r.renderDigest({ channel: 'email', items, more: 0, templateName: 'missing' }).subject).toBe('generic');
  });

  it('tags links with campaign "digest", or the template name when given', () => {
    const linked: DigestItem[] = [{ title: 'Order', text: 'https://shop.test/o/1', eventId: 'e1', type: 'transactional', createdAt: '2026-03-01T10:00:00Z' }];
    const config = parseConfig({
      templates: {
        weekly: { email: { subject: 'W', html: '{{#each items}}<a href="{{text}}">{{title}}</a>{{/each}}', text: '{{#each items}}{{text}} {{/each}}' } },
      },
      attribution: { channels: { email: { utm_source: 'herald', utm_medium: 'email' } } },
    });
    const r = createDigestRenderer(config);
    expect(r.renderDigest({ channel: 'email', items: linked, more: 0 }).text).toBe(
      '- Order: https://shop.test/o/1?utm_source=herald&utm_medium=email&utm_campaign=digest',
    );
    const named = r.renderDigest({ channel: 'email', items: linked, more: 0, templateName: 'weekly' });
    expect(named.html).toBe('<a href="https://shop.test/o/1?utm_source=herald&amp;utm_medium=email&amp;utm_campaign=weekly">Order</a>');
  });

  it('applies push limits and the SMS segment limit to digests', () => {
    const many: DigestItem[] = Array.from({ length: 30 }, (_, i) => ({
      title: `Item ${i}`,
      text: 'something happened here',
      eventId: `e${i}`,
      type: 'alert',
      createdAt: '2026-03-01T10:00:00Z',
    }));
    const r = createDigestRenderer(parseConfig({ channels: { push: { maxBodyLength: 40 }, sms: { maxSegments: 2 } } }));
    expect(r.renderDigest({ channel: 'push', items: many, more: 0 }).text).toBe('- Item 0: something happened here\n- Ite…');
    let error: unknown;
    try {
      r.renderDigest({ channel: 'sms', items: many, more: 5 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('sms_too_long');
    expect((error as PermanentError).message).toContain('the built-in digest');
  });
});
