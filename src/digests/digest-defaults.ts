import type { RenderedContent } from '../channels/types';
import { escapeLines } from '../rendering/fallback';

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

/** "...and N more" for the items a summarised digest counts but does not list (ASCII dots: "…" would make an SMS UCS-2). */
export function moreLine(more: number): string {
  return `...and ${more} more`;
}

/**
 * The digest used when no template applies: a headline counting every item (listed or not) as
 * subject and title, one `- title: text` line per listed item, "...and N more" when `more` items
 * were left out, and the same as escaped HTML.
 */
export function defaultDigest(items: DigestItem[], more = 0): RenderedContent {
  const headline = digestHeadline(items.length + more);
  const lines = items.map((i) => `- ${i.title}: ${i.text}`);
  const listItems = items.map((i) => `<li><strong>${escapeLines(i.title)}</strong>: ${escapeLines(i.text)}</li>`);
  const html = `<ul>${listItems.join('')}</ul>${more > 0 ? `<p>${escapeLines(moreLine(more))}</p>` : ''}`;
  return { subject: headline, title: headline, text: [...lines, ...(more > 0 ? [moreLine(more)] : [])].join('\n'), html };
}
