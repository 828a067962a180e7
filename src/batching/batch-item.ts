import type { Channel, EventType, Priority } from '../contract/event-v1';

/**
 * One delivery waiting for a digest: plain JSON, so it survives Redis unchanged.
 * `title` and `text` are the item's own rendered entry; the digest template lists them.
 */
export interface BatchItem {
  /** Event id; an item is batched at most once per event (per recipient and channel). */
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
  /** When the producer created the event, ISO 8601 UTC. */
  createdAt: string;
  /** The template the item was rendered with (the event's `template`, else its `type`). */
  templateName: string;
  title: string;
  text: string;
  /** Event payload, for digest templates that need more than title and text. */
  payload?: Record<string, unknown>;
}

/** A batch's digest in flight, held by one flusher under a lease. */
export interface Claim {
  batchId: string;
  /** `${batchId}#${seq}`: the same for every attempt at this digest, so sending is idempotent by it. */
  digestId: string;
  /** Oldest first. */
  items: BatchItem[];
  /** Grows each time another owner takes the claim over; completing needs the current one. */
  fencingToken: number;
  /** True when this claim was taken over from an owner whose lease expired. */
  resumed: boolean;
}

/** The batch of one recipient and channel: items of both wait for the same digest. */
export function batchIdOf(recipientId: string, channel: Channel): string {
  return `${recipientId}|${channel}`;
}
