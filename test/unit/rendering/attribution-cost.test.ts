import type { RenderedContent } from '../../../src/channels/types';
import { MAX_TRACKED_LINKS, MAX_TRACKED_URL_LENGTH, addTracking } from '../../../src/rendering/attribution';
import { LINEAR_AT_8X, growthAt8x } from '../../support/cost-growth';

const utm = { utm_source: 'herald', utm_medium: 'email', utm_campaign: 'welcome' };
const Q = 'utm_source=herald&utm_medium=email&utm_campaign=welcome';
const content = (parts: Partial<RenderedContent>): RenderedContent => ({ subject: '', title: '', text: '', html: '', ...parts });
const text = (t: string) => addTracking(content({ text: t }), utm).text;
const html = (h: string) => addTracking(content({ html: h }), utm).html;

/** Issue 15, finding 4: `http://a/` + `)`×30000 in a payload message blocked the event loop for 10 s. */
describe('addTracking cost', () => {
  it('text: trimming a run of unopened closing brackets is linear', () => {
    expect(growthAt8x((n) => `http://a/${')'.repeat(n)}`, text, 1000)).toBeLessThan(LINEAR_AT_8X);
    expect(growthAt8x((n) => `http://a/${']'.repeat(n)}`, text, 1000)).toBeLessThan(LINEAR_AT_8X);
    expect(growthAt8x((n) => `http://a/${'.)'.repeat(n / 2)}`, text, 1000)).toBeLessThan(LINEAR_AT_8X);
  });

  it('html: start tags that never close are linear, with or without quotes', () => {
    expect(growthAt8x((n) => '<a '.repeat(n), html, 1000)).toBeLessThan(LINEAR_AT_8X);
    expect(growthAt8x((n) => '<a "'.repeat(n), html, 1000)).toBeLessThan(LINEAR_AT_8X);
    expect(growthAt8x((n) => `<a x='${"<a x='".repeat(n)}`, html, 1000)).toBeLessThan(LINEAR_AT_8X);
  });

  it('still trims what the URL did not open, keeping what it did', () => {
    expect(text(`(see http://a.test/x${')'.repeat(5)}.`)).toBe(`(see http://a.test/x?${Q}${')'.repeat(5)}.`);
    expect(text('http://a.test/f(x)).')).toBe(`http://a.test/f(x)?${Q}).`);
    expect(text('[http://a.test/a[1]]')).toBe(`[http://a.test/a[1]?${Q}]`);
  });

  it('still finds the tag a quoted value keeps open, and the one that starts inside a broken quote', () => {
    expect(html('<a title="<a" href="http://a.test/">x</a>')).toBe(`<a title="<a" href="http://a.test/?${Q.replace(/&/g, '&amp;')}">x</a>`);
    expect(html('<a x="<a href=http://a.test/>')).toBe(`<a x="<a href=http://a.test/?${Q.replace(/&/g, '&amp;')}>`);
  });

  it(`leaves a URL longer than ${MAX_TRACKED_URL_LENGTH} characters as it is, in text and in html`, () => {
    const long = `http://a.test/${'x'.repeat(MAX_TRACKED_URL_LENGTH)}`;
    expect(text(`see ${long} now`)).toBe(`see ${long} now`);
    expect(html(`<a href="${long}">x</a>`)).toBe(`<a href="${long}">x</a>`);
    const longest = `http://a.test/${'x'.repeat(MAX_TRACKED_URL_LENGTH - 14)}`;
    expect(text(longest)).toBe(`${longest}?${Q}`);
  });

  it(`tags the first ${MAX_TRACKED_LINKS} links of a text and of an html part, and leaves the others`, () => {
    const links = (count: number) => Array.from({ length: count }, (_, i) => `http://a.test/${i}`);
    const all = links(MAX_TRACKED_LINKS + 2);
    const tagged = text(all.join(' ')).split(' ');
    expect(tagged.slice(0, MAX_TRACKED_LINKS)).toEqual(all.slice(0, MAX_TRACKED_LINKS).map((u) => `${u}?${Q}`));
    expect(tagged.slice(MAX_TRACKED_LINKS)).toEqual(all.slice(MAX_TRACKED_LINKS));
    const anchors = html(all.map((u) => `<a href="${u}">x</a>`).join('')).split('</a>');
    expect(anchors.filter((a) => a.includes('utm_source'))).toHaveLength(MAX_TRACKED_LINKS);
    expect(anchors.at(-2)).toBe(`<a href="${all.at(-1)}">x`);
  });
});
