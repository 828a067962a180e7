import type { DeliveryRecord } from '../../../src/delivery-state/types';
import { notificationView } from '../../../src/http/notification-view';

describe('notificationView (the body of GET /api/notifications/:id)', () => {
  const record = (extra: Record<string, unknown>): DeliveryRecord =>
    ({
      recipientId: 'direct:0123456789abcdef',
      channel: 'email',
      status: 'failed',
      attempts: 1,
      updatedAt: '2026-03-01T10:00:00.000Z',
      ...extra,
    }) as DeliveryRecord;

  it('keeps the listed summary fields only: the stored event and any field added later stay out', () => {
    const meta = {
      type: 'alert',
      priority: 'high',
      channels: 'email',
      recipients: '1',
      createdAt: 'c',
      receivedAt: 'r',
      sendAt: 's',
      event: '{"payload":{}}',
      addedLater: 'x',
    };
    expect(notificationView({ id: 'e1', meta, deliveries: [] })).toEqual({
      id: 'e1',
      meta: { type: 'alert', priority: 'high', channels: 'email', recipients: '1', createdAt: 'c', receivedAt: 'r', sendAt: 's' },
      deliveries: [],
    });
    expect(notificationView({ id: 'e2', meta: null, deliveries: [] })).toEqual({ id: 'e2', meta: null, deliveries: [] });
  });

  it('shows each delivery without its lease or unlisted fields, and redacts an address a detail quotes', () => {
    const stored = record({
      leaseUntil: 5,
      owner: 'worker-1',
      to: ['ada@example.com'],
      reason: 'smtp_rejected',
      detail: 'PermanentError: 550 <ada@example.com> unknown, call +14155550100',
    });
    const [shown] = notificationView({ id: 'e1', meta: null, deliveries: [stored], schedule: { state: 'fired', sendAt: 't', extra: 1 } as never }).deliveries;
    expect(shown).toEqual({
      recipientId: 'direct:0123456789abcdef',
      channel: 'email',
      status: 'failed',
      reason: 'smtp_rejected',
      detail: 'PermanentError: 550 <[email]> unknown, call [phone]',
      attempts: 1,
      updatedAt: '2026-03-01T10:00:00.000Z',
    });
  });

  it('shows the schedule state and time only', () => {
    const view = notificationView({
      id: 'e1',
      meta: null,
      deliveries: [],
      schedule: { state: 'scheduled', sendAt: '2026-03-01T10:00:00.000Z', event: '{}' } as never,
    });
    expect(view.schedule).toEqual({ state: 'scheduled', sendAt: '2026-03-01T10:00:00.000Z' });
  });
});
