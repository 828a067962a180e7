/** The html side of `addTracking` (./attribution.ts): the `href` of each `<a>` start tag. */
import { type HostFilter, MAX_TRACKED_LINKS, MAX_TRACKED_URL_LENGTH, type TrackingParams, planInsertion } from './link-plan';

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

/** `<a` opening an anchor's start tag (not `<abbr>`); its attributes follow. */
const A_TAG_OPEN = /<a(?=[\s/>])/gi;

/**
 * For each index, where a start tag whose attributes are read from there (outside quotes) ends:
 * the index of its `>` (a quoted value may hold ">"), or -1 when the text ends first or inside a
 * quote. Built backwards in one pass, so finding every tag stays linear when none closes
 * (`<a <a <a …`), where one regex per tag rescanned the rest of the text from each `<a`.
 */
function tagEnds(html: string): Int32Array {
  const ends = new Int32Array(html.length + 1).fill(-1);
  let nextDouble = -1; // index of the next `"` after i, -1 when none
  let nextSingle = -1;
  for (let i = html.length - 1; i >= 0; i -= 1) {
    const c = html[i];
    if (c === '>') ends[i] = i;
    else if (c === '"') {
      ends[i] = nextDouble < 0 ? -1 : (ends[nextDouble + 1] as number);
      nextDouble = i;
    } else if (c === "'") {
      ends[i] = nextSingle < 0 ? -1 : (ends[nextSingle + 1] as number);
      nextSingle = i;
    } else ends[i] = ends[i + 1] as number;
  }
  return ends;
}

/** One attribute: name, then a double-quoted, single-quoted or unquoted value. */
const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

/** Adds the parameters to the `href` of one `<a>` start tag, keeping its quoting and escaping. */
function trackTag(tag: string, params: TrackingParams, allowed: HostFilter): string {
  ATTRIBUTE.lastIndex = 2; // after "<a"
  for (let m = ATTRIBUTE.exec(tag); m !== null; m = ATTRIBUTE.exec(tag)) {
    if ((m[1] as string).toLowerCase() !== 'href') continue;
    // A browser uses the first href and ignores any later one; so do we.
    const raw = m[2] ?? m[3] ?? m[4];
    if (raw === undefined || raw.length > MAX_TRACKED_URL_LENGTH) return tag;
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

/** Adds the parameters to the `href` of the first {@link MAX_TRACKED_LINKS} `<a>` start tags of `html`. */
export function trackHtml(html: string, params: TrackingParams, allowed: HostFilter): string {
  let ends: Int32Array | undefined;
  let out = '';
  let copied = 0;
  let tags = 0;
  for (const open of html.matchAll(A_TAG_OPEN)) {
    if (open.index < copied) continue; // inside the tag before, as a quoted value
    if (tags >= MAX_TRACKED_LINKS) break;
    ends ??= tagEnds(html);
    const end = ends[open.index + 2] as number;
    if (end < 0) continue;
    tags += 1;
    out += html.slice(copied, open.index) + trackTag(html.slice(open.index, end + 1), params, allowed);
    copied = end + 1;
  }
  return out + html.slice(copied);
}
