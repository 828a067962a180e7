import type { RenderedContent } from '../channels/types';
import { trackHtml } from './attribution-html';
import { type HostFilter, MAX_TRACKED_LINKS, MAX_TRACKED_URL_LENGTH, type TrackingParams, hostFilter, planInsertion } from './link-plan';

export { MAX_TRACKED_LINKS, MAX_TRACKED_URL_LENGTH, type TrackingParams } from './link-plan';

/** Closing minus opening brackets in `text`, for `)`/`(` and `]`/`[`. */
function unopened(text: string): { parens: number; brackets: number } {
  let parens = 0;
  let brackets = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x29)
      parens += 1; // )
    else if (c === 0x28)
      parens -= 1; // (
    else if (c === 0x5d)
      brackets += 1; // ]
    else if (c === 0x5b) brackets -= 1; // [
  }
  return { parens, brackets };
}

/**
 * Trims prose punctuation that ends a sentence rather than the URL, and a closing bracket the URL
 * never opened. One pass: the brackets are counted once, and the counts follow the end as it moves.
 */
function urlEnd(candidate: string): number {
  const count = unopened(candidate);
  let end = candidate.length;
  for (;;) {
    const last = candidate[end - 1];
    if (last !== undefined && '.,;:!?'.includes(last)) end -= 1;
    else if (last === ')' && count.parens > 0) {
      end -= 1;
      count.parens -= 1;
    } else if (last === ']' && count.brackets > 0) {
      end -= 1;
      count.brackets -= 1;
    } else return end;
  }
}

const BARE_URL = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/** Adds the parameters to the first {@link MAX_TRACKED_LINKS} bare http(s) URLs in plain text. */
function trackText(text: string, params: TrackingParams, allowed: HostFilter): string {
  let out = '';
  let copied = 0;
  let links = 0;
  // Stops at the last link looked at: the rest of the text is copied, not scanned.
  for (const { 0: match, index } of text.matchAll(BARE_URL)) {
    if (links >= MAX_TRACKED_LINKS) break;
    links += 1;
    if (match.length > MAX_TRACKED_URL_LENGTH) continue;
    const url = match.slice(0, urlEnd(match));
    const plan = planInsertion(url, params, allowed);
    if (!plan) continue;
    out += text.slice(copied, index + plan.at) + plan.insert;
    copied = index + plan.at;
  }
  return out + text.slice(copied);
}

/**
 * Adds tracking parameters to the links of rendered content: in `html`, the `href` of each
 * `<a>` tag; in `text`, each bare http(s) URL. A parameter the link already has keeps its value,
 * the fragment stays last, other query parameters stay as they are. With `domains`, only links to
 * those hosts and their subdomains change. Links that do not parse as URLs are left unchanged;
 * subject and title are never touched (they hold no links a reader can follow). The work is
 * linear in the content and bounded per link: only the first {@link MAX_TRACKED_LINKS} links of each
 * part are looked at, and none longer than {@link MAX_TRACKED_URL_LENGTH}.
 */
export function addTracking(content: RenderedContent, params: TrackingParams, domains?: readonly string[]): RenderedContent {
  const allowed = hostFilter(domains);
  return {
    ...content,
    text: trackText(content.text, params, allowed),
    html: trackHtml(content.html, params, allowed),
  };
}
