import type { EventV2 } from '../../../src/contract/event-v2';

/** A valid v2 event with the given id, as a retry item carries it. */
export function sampleEventV2(id: string): EventV2 {
  return {
    version: 2,
    id,
    type: 'alert',
    priority: 'critical',
    payload: { title: 'Disk full', message: 'db-1 is at 97%' },
    recipients: ['u1'],
    channels: ['sms'],
    createdAt: '2026-11-21T09:00:00.000Z',
  };
}
