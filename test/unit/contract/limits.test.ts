import { LIMITS } from '../../../src/contract/limits';
import { parseEventObject, type ContractIssue } from '../../../src/contract/parse-event';
import { v1Event, v2Event } from './sample-events';

/** The issues of an event that must be rejected as a schema violation. */
function issuesOf(event: Record<string, unknown>): ContractIssue[] {
  const result = parseEventObject(event);
  if (result.ok) throw new Error('expected the event to be rejected');
  expect(result.code).toBe('schema_violation');
  return result.issues;
}

describe('contract limits', () => {
  it('rejects a payload over maxPayloadBytes and says to send a reference instead', () => {
    const payload = { body: 'x'.repeat(LIMITS.maxPayloadBytes) };
    expect(issuesOf(v1Event({ payload }))).toEqual([
      { path: 'payload', message: `payload is larger than ${LIMITS.maxPayloadBytes} bytes as JSON; send a reference (URL or id) instead of the content` },
    ]);
  });

  it('measures the payload in UTF-8 bytes, not characters', () => {
    // 'é' is 2 bytes: fewer characters than the limit, more bytes.
    const payload = { body: 'é'.repeat(LIMITS.maxPayloadBytes / 2) };
    expect(issuesOf(v1Event({ payload })).map((i) => i.path)).toEqual(['payload']);
  });

  it('accepts a payload just under the limit', () => {
    const overhead = JSON.stringify({ body: '' }).length;
    const payload = { body: 'x'.repeat(LIMITS.maxPayloadBytes - overhead) };
    expect(parseEventObject(v1Event({ payload })).ok).toBe(true);
  });

  it('rejects more than maxRecipients and says to split the audience', () => {
    const recipients = Array.from({ length: LIMITS.maxRecipients + 1 }, (_, i) => `user-${i}`);
    expect(issuesOf(v2Event({ recipients }))).toEqual([
      { path: 'recipients', message: `recipients lists more than ${LIMITS.maxRecipients}; split the audience into several events` },
    ]);
  });

  it('accepts exactly maxRecipients', () => {
    const recipients = Array.from({ length: LIMITS.maxRecipients }, (_, i) => `user-${i}`);
    expect(parseEventObject(v2Event({ recipients })).ok).toBe(true);
  });

  it('rejects an empty recipient list', () => {
    expect(issuesOf(v1Event({ recipients: [] }))).toEqual([{ path: 'recipients', message: 'recipients must list at least one recipient' }]);
  });

  it('rejects an id longer than maxIdLength', () => {
    expect(issuesOf(v1Event({ id: 'x'.repeat(LIMITS.maxIdLength + 1) }))).toEqual([
      { path: 'id', message: `id is longer than ${LIMITS.maxIdLength} characters` },
    ]);
  });

  it('applies the id limit to deduplicationKey too', () => {
    expect(issuesOf(v2Event({ deduplicationKey: 'k'.repeat(LIMITS.maxIdLength + 1) }))).toEqual([
      { path: 'deduplicationKey', message: `id is longer than ${LIMITS.maxIdLength} characters` },
    ]);
  });

  it('rejects a blank id', () => {
    expect(issuesOf(v1Event({ id: '   ' }))).toEqual([{ path: 'id', message: 'id must not be empty' }]);
  });

  it('rejects a recipient longer than maxRecipientLength at its index', () => {
    const recipients = ['user-1', `email:${'a'.repeat(LIMITS.maxRecipientLength)}`];
    expect(issuesOf(v1Event({ recipients }))).toEqual([
      { path: 'recipients.1', message: `a recipient is longer than ${LIMITS.maxRecipientLength} characters` },
    ]);
  });

  it('rejects a template or category longer than maxNameLength', () => {
    const long = 'n'.repeat(LIMITS.maxNameLength + 1);
    expect(issuesOf(v2Event({ template: long, category: long })).map((i) => i.path)).toEqual(['template', 'category']);
  });
});
