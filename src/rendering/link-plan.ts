/**
 * What adding tracking parameters to one link means, shared by the text and the html side of
 * `addTracking` (./attribution.ts): which hosts, which parameters, where they go, and the
 * limits that bound the work a producer's links can cost.
 */

/** Query parameters added to links, in order, e.g. `{ utm_source, utm_medium, utm_campaign }`. */
export type TrackingParams = Readonly<Record<string, string>>;

/** Where to add parameters in a URL string: the index (before the fragment) and the text to insert. */
export interface Insertion {
  at: number;
  insert: string;
}

/** Whether links to a host get the parameters. */
export type HostFilter = (hostname: string) => boolean;

/** Normalises a configured domain the way URL normalises hosts (lower case, punycode), so both compare. */
function normaliseDomain(domain: string): string {
  const bare = domain
    .trim()
    .replace(/^\*?\./, '')
    .replace(/\.$/, '')
    .toLowerCase();
  try {
    return new URL(`http://${bare}`).hostname;
  } catch {
    return bare;
  }
}

/** The filter for `attribution.domains`: every host when undefined, else those domains and their subdomains. */
export function hostFilter(domains: readonly string[] | undefined): HostFilter {
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
export function planInsertion(url: string, params: TrackingParams, allowed: HostFilter): Insertion | undefined {
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

/**
 * Links longer than this are left as they are. Servers commonly refuse longer request lines
 * (nginx's and Apache's defaults are 8 KB), so such a link fails when followed anyway, and not
 * parsing it bounds the work one link costs.
 */
export const MAX_TRACKED_URL_LENGTH = 8 * 1024;

/**
 * Links looked at per text (bare URLs) and per html part (`<a>` tags); later ones are left as they are. Each costs a URL
 * parse (a few µs), and a producer controls how many a payload holds: a 256 KB message of bare
 * URLs took 100 ms per delivery, for each recipient. Real messages have far fewer.
 */
export const MAX_TRACKED_LINKS = 256;
