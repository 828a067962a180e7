import { messageKey, toEventMessage } from '../../../src/client/event-message';
import { MESSAGE_HEADERS } from '../../../src/contract/vocabulary';
import { LIMITS } from '../../../src/contract/limits';
import { ValidationError } from '../../../src/shared/errors';

const clock = { now: () => Date.UTC(2026, 0, 31) };
const input = { type: 'transactional', priority: 'high', recipients: ['user-1'], channels: ['email'], payload: { url: 'https://example.com' } };

describe('toEventMessage', () => {
  it('serialises the completed event with the schema version, content type and priority (the triage hint) headers', () => {
    const { event, message } = toEventMessage(input, clock);
    expect(JSON.parse(message.value)).toEqual(event);
    expect(event).toMatchObject({ version: 2, createdAt: '2026-01-31T00:00:00.000Z' });
    expect(message.headers).toEqual({ 'herald-schema-version': '2', 'content-type': 'application/json', 'herald-priority': event.priority });
    expect(message.headers).not.toBe(MESSAGE_HEADERS);
  });

  it('keys a single-recipient event by its recipient', () => {
    expect(toEventMessage(input, clock).message.key).toBe('user-1');
  });

  it('keys a multi-recipient event by deduplicationKey, else by id', () => {
    const many = { ...input, recipients: ['user-1', 'user-2'] };
    expect(toEventMessage({ ...many, deduplicationKey: 'launch-2026' }, clock).message.key).toBe('launch-2026');
    expect(toEventMessage({ ...many, id: 'evt-9' }, clock).message.key).toBe('evt-9');
  });

  it('keys by the trimmed recipient the worker will see', () => {
    expect(messageKey(toEventMessage({ ...input, recipients: ['  user-1 '] }, clock).event)).toBe('user-1');
  });

  it('refuses a schema-valid event whose message exceeds maxEventBytes', () => {
    // 1000 recipients of 600 characters: each within its limit, together over 512 KiB.
    const recipients = Array.from({ length: LIMITS.maxRecipients }, (_, i) => `email:${String(i).padStart(590, 'x')}@example.com`);
    let error: unknown;
    try {
      toEventMessage({ ...input, id: 'evt-big', recipients }, clock);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'oversize', retriable: false, issues: [{ path: '(root)' }] });
    expect((error as Error).message).toMatch(new RegExp(`^event evt-big is \\d+ bytes as JSON; the limit is ${LIMITS.maxEventBytes}\\. Split the recipients`));
  });

  it('throws the contract ValidationError for an invalid event', () => {
    expect(() => toEventMessage({ ...input, channels: ['fax'] }, clock)).toThrow(ValidationError);
  });
});
