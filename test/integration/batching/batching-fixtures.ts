import type { Clock } from '../../../src/clock';
import type { BatchItem } from '../../../src/batching/batch-item';

/** A clock the test moves by hand, to expire leases without waiting. */
export function manualClock(start = Date.UTC(2026, 0, 31, 9, 0, 0)): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

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
    title: `title ${eventId}`,
    text: `text ${eventId}`,
    payload: { n: 1 },
    ...overrides,
  };
}
