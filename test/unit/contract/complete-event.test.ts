import { completeEvent } from '../../../src/contract/complete-event';
import { ValidationError } from '../../../src/shared/errors';
import { v2Event } from './sample-events';

const clock = { now: () => Date.UTC(2026, 0, 31, 9, 30, 0) };
const short = { type: 'alert', priority: 'critical', recipients: ['user-1'], channels: ['sms'], payload: { message: 'Disk full' } };

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('completeEvent', () => {
  it('fills id (a UUID), createdAt (from the clock, UTC) and version 2 on the short form', () => {
    const event = completeEvent(short, clock);
    expect(event).toEqual({ ...short, version: 2, id: expect.stringMatching(/^[0-9a-f-]{36}$/), createdAt: '2026-01-31T09:30:00.000Z' });
  });

  it('gives each event its own id', () => {
    expect(completeEvent(short, clock).id).not.toBe(completeEvent(short, clock).id);
  });

  it('keeps the id, createdAt and v2 fields the producer set', () => {
    expect(completeEvent(v2Event(), clock)).toEqual(v2Event());
  });

  it('treats fields set to undefined as not given', () => {
    const event = completeEvent({ ...short, id: undefined, createdAt: undefined, version: undefined, template: undefined }, clock);
    expect(event.id).toHaveLength(36);
    expect(event.createdAt).toBe('2026-01-31T09:30:00.000Z');
    expect(event.version).toBe(2);
    expect(event).not.toHaveProperty('template');
  });

  it('throws a ValidationError listing every issue with its path', () => {
    const error = thrown(() => completeEvent({ ...short, priority: 'urgent', channels: [], recipients: [''] }, clock));
    expect(error.retriable).toBe(false);
    expect(error.code).toBe('schema_violation');
    expect(error.issues.map((i) => i.path).sort()).toEqual(['channels', 'priority', 'recipients.0']);
  });

  it('rejects an unsupported version instead of overriding it', () => {
    expect(thrown(() => completeEvent({ ...short, version: 3 }, clock)).code).toBe('unknown_version');
  });

  it.each([null, 'event', [short]])('rejects %p as not_an_object', (input) => {
    expect(thrown(() => completeEvent(input, clock)).code).toBe('not_an_object');
  });
});
