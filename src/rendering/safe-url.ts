import { removeControls } from '../shared/control-chars';

/** Schemes a link in a message may have. Anything else (`javascript:`, `data:`, `vbscript:`, `file:`…) is refused. */
export const SAFE_URL_SCHEMES: readonly string[] = ['http', 'https', 'mailto'];

/** A scheme as the URL standard reads one: a letter, then letters, digits, `+`, `-` or `.`, then `:`. */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** What {@link checkUrl} made of a value: the URL to print, and the scheme it refused, if it did. */
export interface UrlCheck {
  /** The URL cleaned of controls and outer whitespace, or `''` when refused or not text. */
  url: string;
  /** Lower-cased scheme of a refused URL (at most 32 characters), for the log line. */
  refused?: string;
}

/**
 * Checks a value meant for a link (`href`, `src`): an http(s) or mailto URL, or a relative one
 * (no scheme: `/reset`, `?page=2`, `#top`), comes back cleaned — controls removed, outer whitespace
 * trimmed — exactly as a browser will read it; any other scheme comes back as `''`, so the link
 * leads nowhere. The scheme is read after the same clean-up a browser does, so `JAVASCRIPT:`,
 * `java\tscript:` and ` \x01javascript:` are all refused. Numbers are written out; other non-text
 * values give `''`.
 */
export function checkUrl(value: unknown): UrlCheck {
  if (typeof value === 'number' || typeof value === 'bigint') return { url: String(value) };
  if (typeof value !== 'string') return { url: '' };
  // Controls have no place in a URL, and browsers drop tabs and line breaks anywhere in one (`java\tscript:`).
  const url = removeControls(value).trim();
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || SAFE_URL_SCHEMES.includes(scheme)) return { url };
  return { url: '', refused: scheme.slice(0, 32) };
}
