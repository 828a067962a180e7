import type { RenderedContent } from '../../../src/channels/types';
import { parseConfig } from '../../../src/config/load-config';
import { addTracking } from '../../../src/rendering/attribution';
import { createRenderer } from '../../../src/rendering/render';

const utm = { utm_source: 'herald', utm_medium: 'email', utm_campaign: 'welcome' };
const Q = 'utm_source=herald&utm_medium=email&utm_campaign=welcome';
const content = (parts: Partial<RenderedContent>): RenderedContent => ({ subject: '', title: '', text: '', html: '', ...parts });
const text = (t: string, domains?: string[]) => addTracking(content({ text: t }), utm, domains).text;
const html = (h: string, domains?: string[]) => addTracking(content({ html: h }), utm, domains).html;

describe('addTracking in text', () => {
  it('adds the parameters to a bare URL, with ? or & as the query needs', () => {
    expect(text('Go to https://shop.test/cart now')).toBe(`Go to https://shop.test/cart?${Q} now`);
    expect(text('https://shop.test/cart?id=7')).toBe(`https://shop.test/cart?id=7&${Q}`);
    expect(text('https://shop.test/?a=1&')).toBe(`https://shop.test/?a=1&${Q}`);
    // In prose a final "?" ends the question, not the URL.
    expect(text('Seen https://shop.test/?')).toBe(`Seen https://shop.test/?${Q}?`);
    expect(html('<a href="https://shop.test/?">x</a>')).toBe(`<a href="https://shop.test/?${Q.replace(/&/g, '&amp;')}">x</a>`);
    expect(text('http://shop.test')).toBe(`http://shop.test?${Q}`);
  });

  it('keeps the fragment last and the other parameters untouched, byte for byte', () => {
    expect(text('https://shop.test/a?q=a%20b+c&x#top')).toBe(`https://shop.test/a?q=a%20b+c&x&${Q}#top`);
    expect(text('https://shop.test/a#section?not=query')).toBe(`https://shop.test/a?${Q}#section?not=query`);
  });

  it('never duplicates a parameter the link already has, and keeps its value', () => {
    expect(text('https://shop.test/?utm_source=newsletter&a=1')).toBe('https://shop.test/?utm_source=newsletter&a=1&utm_medium=email&utm_campaign=welcome');
    const full = `https://shop.test/?${Q.replace('welcome', 'spring')}`;
    expect(text(full)).toBe(full);
  });

  it('leaves sentence punctuation and unopened brackets outside the link', () => {
    expect(text('See https://shop.test/a.')).toBe(`See https://shop.test/a?${Q}.`);
    expect(text('(see https://shop.test/a), then')).toBe(`(see https://shop.test/a?${Q}), then`);
    expect(text('https://en.wiki.test/Foo_(bar)')).toBe(`https://en.wiki.test/Foo_(bar)?${Q}`);
  });

  it('touches every link and nothing else', () => {
    expect(text('a https://a.test b http://b.test/x c')).toBe(`a https://a.test?${Q} b http://b.test/x?${Q} c`);
    expect(text('mail me: mailto:x@y.test or ftp://files.test/a')).toBe('mail me: mailto:x@y.test or ftp://files.test/a');
  });

  it('leaves a link that does not parse unchanged', () => {
    const broken = 'https://[::1 and https://a..b:99999/ and https://x.test:abc/ and https://%zz/';
    expect(text(broken)).toBe(broken);
  });

  it('with domains, only changes links to those hosts and their subdomains', () => {
    const domains = ['shop.test', 'Example.ORG'];
    expect(text('https://shop.test/a https://www.shop.test/b https://evilshop.test/c https://example.org', domains)).toBe(
      `https://shop.test/a?${Q} https://www.shop.test/b?${Q} https://evilshop.test/c https://example.org?${Q}`,
    );
  });
});

describe('addTracking in html', () => {
  it('changes only the href of <a> tags, not link text, other tags or other attributes', () => {
    const source =
      '<p>https://shop.test/x <img src="https://shop.test/i.png"><a title="https://shop.test/t" href="https://shop.test/y">https://shop.test/y</a></p>';
    expect(html(source)).toBe(
      `<p>https://shop.test/x <img src="https://shop.test/i.png"><a title="https://shop.test/t" ` +
        `href="https://shop.test/y?${Q.replace(/&/g, '&amp;')}">https://shop.test/y</a></p>`,
    );
  });

  it('decodes escaped hrefs to read them and writes &amp; for the new separators', () => {
    // What Handlebars writes for {{payload.url}} = https://x.test/?a=1&b=2#f
    const escaped = '<a href="https://x.test/?a&#x3D;1&amp;b&#x3D;2#f">go</a>';
    expect(html(escaped)).toBe('<a href="https://x.test/?a&#x3D;1&amp;b&#x3D;2&amp;utm_source=herald&amp;utm_medium=email&amp;utm_campaign=welcome#f">go</a>');
  });

  it('sees an escaped parameter as present and an escaped "#" as the fragment', () => {
    expect(html('<a href="https://x.test/?utm&#95;source&#x3D;own&amp;utm_medium=m&amp;utm_campaign=c">x</a>')).toBe(
      '<a href="https://x.test/?utm&#95;source&#x3D;own&amp;utm_medium=m&amp;utm_campaign=c">x</a>',
    );
    expect(html('<a href="https://x.test/p&#35;frag">x</a>')).toBe(`<a href="https://x.test/p?${Q.replace(/&/g, '&amp;')}&#35;frag">x</a>`);
  });

  it('handles single quotes, no quotes, upper case, other attributes first and ">" inside a value', () => {
    const amp = Q.replace(/&/g, '&amp;');
    expect(html("<a class='b' href='https://x.test/'>x</a>")).toBe(`<a class='b' href='https://x.test/?${amp}'>x</a>`);
    expect(html('<a href=https://x.test/a>x</a>')).toBe(`<a href=https://x.test/a?${amp}>x</a>`);
    expect(html('<A HREF="https://x.test/">x</A>')).toBe(`<A HREF="https://x.test/?${amp}">x</A>`);
    expect(html('<a data-x="a>b" href="https://x.test/">x</a>')).toBe(`<a data-x="a>b" href="https://x.test/?${amp}">x</a>`);
    expect(html('<a\n  href = "https://x.test/"\n>x</a>')).toBe(`<a\n  href = "https://x.test/?${amp}"\n>x</a>`);
  });

  it('uses only the first href, and skips <abbr>, relative, mailto and unparseable links', () => {
    expect(html('<a href="https://x.test/1" href="https://x.test/2">x</a>')).toBe(
      `<a href="https://x.test/1?${Q.replace(/&/g, '&amp;')}" href="https://x.test/2">x</a>`,
    );
    const untouched =
      '<abbr href="https://x.test/">a</abbr><a href="/relative">r</a><a href="mailto:a@b.test">m</a><a href="https://exa mple/">b</a><a name="top">t</a>';
    expect(html(untouched)).toBe(untouched);
  });

  it('applies the domain filter to hrefs too', () => {
    expect(html('<a href="https://other.test/">x</a>', ['shop.test'])).toBe('<a href="https://other.test/">x</a>');
    expect(html('<a href="https://m.shop.test/">x</a>', ['shop.test'])).toBe(`<a href="https://m.shop.test/?${Q.replace(/&/g, '&amp;')}">x</a>`);
  });

  it('leaves subject and title alone', () => {
    const out = addTracking(content({ subject: 'https://x.test/', title: 'https://x.test/' }), utm);
    expect(out.subject).toBe('https://x.test/');
    expect(out.title).toBe('https://x.test/');
  });
});

describe('attribution in render', () => {
  const templates = {
    'password-reset': {
      email: { subject: 'Reset', text: 'Reset here: {{payload.url}}', html: '<a href="{{payload.url}}">Reset</a>' },
      sms: { text: 'Reset: {{payload.url}}' },
      push: { title: 'Reset', text: 'Open {{payload.url}}' },
    },
    alert: { email: { subject: 'Alert', text: 'See {{payload.url}}' } },
  };
  const attribution = { channels: { email: { utm_source: 'herald', utm_medium: 'email' }, push: { utm_source: 'herald', utm_medium: 'push' } } };
  const event = (type: string) => ({
    id: 'e',
    type,
    priority: 'normal',
    createdAt: '2026-03-01T10:00:00Z',
    payload: { url: 'https://app.test/reset?token=a&b=1#now' },
  });

  it('tags email text and html with the template name as campaign, keeping the escaped html valid', () => {
    const r = createRenderer(parseConfig({ templates, attribution }));
    const out = r.render({ templateName: 'password-reset', channel: 'email', event: event('transactional') });
    expect(out.text).toBe('Reset here: https://app.test/reset?token=a&b=1&utm_source=herald&utm_medium=email&utm_campaign=password-reset#now');
    expect(out.html).toBe(
      '<a href="https://app.test/reset?token&#x3D;a&amp;b&#x3D;1&amp;utm_source=herald&amp;utm_medium=email&amp;utm_campaign=password-reset#now">Reset</a>',
    );
  });

  it('tags the push body with the channel medium and leaves an unlisted channel (sms) alone', () => {
    const r = createRenderer(parseConfig({ templates, attribution }));
    expect(r.render({ templateName: 'password-reset', channel: 'push', event: event('transactional') }).text).toContain(
      'utm_medium=push&utm_campaign=password-reset#now',
    );
    expect(r.render({ templateName: 'password-reset', channel: 'sms', event: event('transactional') }).text).toBe(
      'Reset: https://app.test/reset?token=a&b=1#now',
    );
  });

  it('takes the campaign from the event type with campaignFrom "type"', () => {
    const r = createRenderer(parseConfig({ templates, attribution: { ...attribution, campaignFrom: 'type' } }));
    expect(r.render({ templateName: 'password-reset', channel: 'email', event: event('security') }).text).toContain('utm_campaign=security#now');
  });

  it('tags the html derived from a text-only template too', () => {
    const r = createRenderer(parseConfig({ templates, attribution }));
    const out = r.render({ templateName: 'alert', channel: 'email', event: event('alert') });
    expect(out.html).toBe(
      '<p>See https://app.test/reset?token&#x3D;a&amp;b&#x3D;1&amp;utm_source&#x3D;herald&amp;utm_medium&#x3D;email&amp;utm_campaign&#x3D;alert#now</p>',
    );
  });

  it('changes nothing without attribution settings', () => {
    const out = createRenderer(parseConfig({ templates })).render({ templateName: 'password-reset', channel: 'email', event: event('transactional') });
    expect(out.text).toBe('Reset here: https://app.test/reset?token=a&b=1#now');
  });
});
