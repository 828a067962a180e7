import type { RenderedContent } from '../channels/types';

/** Query parameters added to links, in order, e.g. `{ utm_source, utm_medium, utm_campaign }`. */
export type TrackingParams = Readonly<Record<string, string>>;

/** Where to add parameters in a URL string: the index (before the fragment) and the text to insert. */
interface Insertion {
  at: number;
  insert: string;
}

type HostFilter = (hostname: string) => boolean;

/** Normalises a configured domain the way URL normalises hosts (lower case, punycode), so both compare. */
function normaliseDomain(domain: string): string {
  const bare = domain.trim().replace(/^\*?\./, '').replace(/\.$/, '').toLowerCase();
  try {
    return new URL(`http://${bare}`).hostname;
  } catch {
    return bare;
  }
}

function hostFilter(domains: readonly string[] | undefined): HostFilter {
  if (domains === undefined) return () => true;
  const allowed = domains.map(normaliseDomain);
  return (hostname) => {
    const host = hostname.replace(/\.$/, '');
    return allowed.some((d) => host === d || host.endsWith(`.${d}`));
  };
}

/** Length of `url` without the trailing spaces and C0 controls the URL parser ignores. */
function endIgnoringControls(url: string): number {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) <= 0x20) end -= 1;
  return end;
}

/**
 * Plans the parameters for one URL, or undefined to leave it alone (not http(s), unparseable,
 * another domain, or every parameter already there). The URL class decides what the link is;
 * the parameters are then spliced into the original string rather than re-serialising it, so
 * the link's own query (its encoding, a signature over it) stays byte for byte.
 */
function planInsertion(url: string, params: TrackingParams, allowed: HostFilter): Insertion | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !allowed(parsed.hostname)) return undefined;
  // A parameter the link already has keeps the link's value: the author chose it.
  const missing = Object.entries(params).filter(([name]) => !parsed.searchParams.has(name));
  if (missing.length === 0) return undefined;
  // For the URL parser the first "#" always starts the fragment and the first "?" before it the query.
  const hash = url.indexOf('#');
  const at = hash >= 0 ? hash : endIgnoringControls(url);
  const before = url.slice(0, at);
  const separator = !before.includes('?') ? '?' : /[?&]$/.test(before) ? '' : '&';
  return { at, insert: separator + new URLSearchParams(missing).toString() };
}

/** Trims prose punctuation that ends a sentence rather than the URL, and a closing bracket the URL never opened. */
function urlEnd(candidate: string): number {
  let end = candidate.length;
  const count = (ch: string) => candidate.slice(0, end).split(ch).length - 1;
  for (;;) {
    const last = candidate[end - 1];
    if (last !== undefined && '.,;:!?'.includes(last)) end -= 1;
    else if (last === ')' && count(')') > count('(')) end -= 1;
    else if (last === ']' && count(']') > count('[')) end -= 1;
    else return end;
  }
}

const BARE_URL = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/** Adds the parameters to every bare http(s) URL in plain text. */
function trackText(text: string, params: TrackingParams, allowed: HostFilter): string {
  return text.replace(BARE_URL, (match) => {
    const end = urlEnd(match);
    const url = match.slice(0, end);
    const plan = planInsertion(url, params, allowed);
    return plan ? url.slice(0, plan.at) + plan.insert + url.slice(plan.at) + match.slice(end) : match;
  });
}

const CHARACTER_REFERENCE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/y;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Decodes the character references a URL in an attribute uses (`&amp;`, `&#x3D;`, `&#61;`, …)
 * and maps each decoded index back to its index in `raw` (one extra entry for the end).
 */
function decodeAttribute(raw: string): { value: string; rawIndex: number[] } {
  let value = '';
  const rawIndex: number[] = [];
  let i = 0;
  while (i < raw.length) {
    CHARACTER_REFERENCE.lastIndex = i;
    const ref = raw[i] === '&' ? CHARACTER_REFERENCE.exec(raw) : null;
    let decoded = raw[i] as string;
    if (ref) {
      const code = ref[1] !== undefined ? Number(ref[1]) : ref[2] !== undefined ? parseInt(ref[2], 16) : undefined;
      decoded = code === undefined ? (NAMED[ref[3] as string] as string) : code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD';
    }
    for (let k = 0; k < decoded.length; k += 1) rawIndex.push(i);
    value += decoded;
    i += ref ? ref[0].length : 1;
  }
  rawIndex.push(raw.length);
  return { value, rawIndex };
}

/** One `<a …>` start tag; quoted values may hold ">" without ending the tag. */
const A_START_TAG = /<a(?=[\s/>])(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
/** One attribute: name, then a double-quoted, single-quoted or unquoted value. */
const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

/** Adds the parameters to the `href` of one `<a>` start tag, keeping its quoting and escaping. */
function trackTag(tag: string, params: TrackingParams, allowed: HostFilter): string {
  ATTRIBUTE.lastIndex = 2; // after "<a"
  for (let m = ATTRIBUTE.exec(tag); m !== null; m = ATTRIBUTE.exec(tag)) {
    if ((m[1] as string).toLowerCase() !== 'href') continue;
    // A browser uses the first href and ignores any later one; so do we.
    const raw = m[2] ?? m[3] ?? m[4];
    if (raw === undefined) return tag;
    const { value, rawIndex } = decodeAttribute(raw);
    const plan = planInsertion(value, params, allowed);
    if (!plan) return tag;
    const valueEnd = m.index + m[0].length - (m[4] === undefined ? 1 : 0);
    const at = valueEnd - raw.length + (rawIndex[plan.at] as number);
    // The insertion is URLSearchParams output plus "?"/"&": only "&" needs escaping in HTML.
    return tag.slice(0, at) + plan.insert.replace(/&/g, '&amp;') + tag.slice(at);
  }
  return tag;
}

/**
 * Adds tracking parameters to the links of rendered content: in `html`, the `href` of each
 * `<a>` tag; in `text`, each bare http(s) URL. A parameter the link already has keeps its value,
 * the fragment stays last, other query parameters stay as they are. With `domains`, only links to
 * those hosts and their subdomains change. Links that do not parse as URLs are left unchanged;
 * subject and title are never touched (they hold no links a reader can follow).
 */
export function addTracking(content: RenderedContent, params: TrackingParams, domains?: readonly string[]): RenderedContent {
  const allowed = hostFilter(domains);
  return {
    ...content,
    text: trackText(content.text, params, allowed),
    html: content.html.replace(A_START_TAG, (tag) => trackTag(tag, params, allowed)),
  };
}
