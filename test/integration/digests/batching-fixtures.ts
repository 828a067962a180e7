import type { BatchItem, BatchRef } from '../../../src/digests/batch-item';
import type { Clock } from '../../../src/shared/clock';
import { windowEndOf } from '../../../src/digests/digest-window';

/** A clock the test moves by hand, to close windows and expire leases without waiting. */
export function manualClock(start = Date.UTC(2026, 0, 31, 9, 0, 0)): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms), set: (ms) => void (now = ms) };
}

/** Length of the test rule's windows: one minute, aligned to the epoch like `every: "1m"`. */
export const WINDOW_MS = 60_000;

/** End of the one-minute window an item arriving at `arrivalMs` joins. */
export const windowAt = (arrivalMs: number): number => windowEndOf({ every: WINDOW_MS, timeZone: 'UTC' }, arrivalMs, 'UTC');

/** The window after a closed one, as the batch delivery computes it (`add`'s `nextWindow`). */
export const nextWindow = (closedEnd: number): number => windowAt(closedEnd);

/** The group key of recipient `recipientId`'s email digest of transactional events under rule `email-all`. */
export const groupOf = (recipientId = 'u1'): string => `email-all|${recipientId}|email|transactional`;

/** A window reference. */
export const refOf = (groupKey: string, windowEnd: number): BatchRef => ({ groupKey, windowEnd });

/** A batch item for recipient `u1` on email unless told otherwise. */
export function item(eventId: string, overrides: Partial<BatchItem> = {}): BatchItem {
  return {
    eventId,
    recipientId: 'u1',
    channel: 'email',
    type: 'transactional',
    priority: 'normal',
    createdAt: '2026-01-31T09:00:00.000Z',
    templateName: 'comment',
    rule: 'email-all',
    title: `title ${eventId}`,
    text: `text ${eventId}`,
    payload: { n: 1.5, nested: { big: 12345678901234 } },
    ...overrides,
  };
}

/** The event ids of a claim's items, in order. */
export const idsOf = (claim: { items: { eventId: string }[] } | null | undefined): string[] | undefined => claim?.items.map((i) => i.eventId);
