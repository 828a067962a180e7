import type { Channel, EventType, Priority } from '../contract/vocabulary';

/**
 * One delivery waiting for a digest: plain JSON, so it survives Redis unchanged.
 * `title` and `text` are the item's own rendered entry; the digest template lists them.
 */
export interface BatchItem {
  /** Event id; an item is batched at most once per event (per digest group). */
  eventId: string;
  /** Log-safe recipient id (never an address). */
  recipientId: string;
  /**
   * The event's recipient entry (user id or direct address), resolved again when the digest is
   * sent so it uses the user's current address. Stored in Redis like the directory's own profiles.
   */
  recipient?: string;
  channel: Channel;
  type: EventType;
  priority: Priority;
  category?: string;
  /** When the producer created the event, ISO 8601 UTC. */
  createdAt: string;
  /** The template the item was rendered with (the event's `template`, else its `type`). */
  templateName: string;
  /** Locale the item was rendered in (the event's, else the recipient's). */
  locale?: string;
  /** Name of the digest rule that batched it. */
  rule?: string;
  title: string;
  text: string;
  /** Event payload, for digest templates that need more than title and text. */
  payload?: Record<string, unknown>;
}

/** One digest window of one group: the group's items that arrived before `windowEnd`. */
export interface BatchRef {
  /** `rule|recipientId|channel[|type|category|template]`: what one digest collects. */
  groupKey: string;
  /** Epoch ms the window closes; the digest goes out then. */
  windowEnd: number;
}

/** A window's digest in flight, held by one flusher under a lease. */
export interface Claim extends BatchRef {
  /** `${groupKey}@${window end, ISO}`: the same for every attempt at this digest, so sending is idempotent by it. */
  digestId: string;
  /** Every item of the window, oldest first (the sender applies the rule's maxItems and overflow). */
  items: BatchItem[];
  /** Grows each time another owner takes the claim over; completing needs the current one. */
  fencingToken: number;
  /** True when this claim was taken over from an owner whose lease expired (or was postponed). */
  resumed: boolean;
}

/** The digest id of a window: recipient, channel, rule and group in the key, plus the window's end. */
export function digestIdOf(ref: BatchRef): string {
  return `${ref.groupKey}@${new Date(ref.windowEnd).toISOString()}`;
}

/** The due-index member of a window: its end first (digits, no `|`), so it parses back unambiguously. */
export function dueMemberOf(ref: BatchRef): string {
  return `${ref.windowEnd}|${ref.groupKey}`;
}

/** Reads a due-index member back. */
export function parseDueMember(member: string): BatchRef {
  const cut = member.indexOf('|');
  return { windowEnd: Number(member.slice(0, cut)), groupKey: member.slice(cut + 1) };
}
