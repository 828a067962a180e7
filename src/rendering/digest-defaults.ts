import type { RenderedContent } from '../channels/types';
import { escapeLines } from './fallback';

/** One entry of a digest, already rendered for the digest's channel. */
export interface DigestItem {
  title: string;
  text: string;
  eventId: string;
  type: string;
  createdAt: string;
}

/** "1 new notification" / "N new notifications". */
export function digestHeadline(count: number): string {
  return `${count} new notification${count === 1 ? '' : 's'}`;
}

/**
 * The digest used when `digestTemplates` has none for the channel: a headline as subject
 * and title, one `- title: text` line per item, and the same list as escaped HTML.
 */
export function defaultDigest(items: DigestItem[]): RenderedContent {
  const headline = digestHeadline(items.length);
  const text = items.map((i) => `- ${i.title}: ${i.text}`).join('\n');
  const listItems = items.map((i) => `<li><strong>${escapeLines(i.title)}</strong>: ${escapeLines(i.text)}</li>`);
  return { subject: headline, title: headline, text, html: `<ul>${listItems.join('')}</ul>` };
}
