import { parseConfig } from '../../../src/config/load-config';
import { PermanentError } from '../../../src/errors';
import { createRenderer, type DigestItem } from '../../../src/rendering/render';

const items: DigestItem[] = [
  { title: 'Deploy <done>', text: 'v1 & v2', eventId: 'e1', type: 'alert', createdAt: '2026-03-01T10:00:00Z' },
  { title: 'Invoice', text: 'Paid', eventId: 'e2', type: 'transactional', createdAt: '2026-03-01T10:01:00Z' },
];

describe('renderDigest', () => {
  it('uses a sensible default when no digest template is configured', () => {
    const out = createRenderer(parseConfig({})).renderDigest('email', items);
    expect(out.subject).toBe('2 new notifications');
    expect(out.title).toBe('2 new notifications');
    expect(out.text).toBe('- Deploy <done>: v1 & v2\n- Invoice: Paid');
    expect(out.html).toBe('<ul><li><strong>Deploy &lt;done&gt;</strong>: v1 &amp; v2</li><li><strong>Invoice</strong>: Paid</li></ul>');
  });

  it('says "1 new notification" for one item', () => {
    expect(createRenderer(parseConfig({})).renderDigest('push', items.slice(0, 1)).title).toBe('1 new notification');
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
    const out = createRenderer(config).renderDigest('email', items);
    expect(out.subject).toBe('You have 2 new notifications');
    expect(out.title).toBe('You have 2 new notifications');
    expect(out.text).toBe('- Deploy <done>: v1 & v2\n- Invoice: Paid\n');
    expect(out.html).toBe('<ul><li>Deploy &lt;done&gt;</li><li>Invoice</li></ul>');
  });

  it('turns a custom text into html when the digest template has no html', () => {
    const config = parseConfig({ digestTemplates: { sms: { text: '{{count}} updates & more' } } });
    const out = createRenderer(config).renderDigest('sms', items);
    expect(out.text).toBe('2 updates & more');
    expect(out.html).toBe('<p>2 updates &amp; more</p>');
    expect(out.subject).toBe('2 new notifications');
  });

  it('reports a broken digest template as template_error with its config path', () => {
    const config = parseConfig({ digestTemplates: { email: { text: '{{#each items}}no end' } } });
    let error: unknown;
    try {
      createRenderer(config).renderDigest('email', items);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('template_error');
    expect((error as PermanentError).message).toContain('digestTemplates.email.text');
  });
});
