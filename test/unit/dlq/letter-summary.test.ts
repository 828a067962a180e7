import type { StoredLetter } from '../../../src/dlq/dlq-reader';
import { matches, summarize } from '../../../src/dlq/letter-summary';
import { redactDeadLetter, redactLetter } from '../../../src/dlq/redact-letter';
import { formatTable, line } from '../../../src/cli/format-table';

const invalid: StoredLetter = {
  id: '1:5',
  partition: 1,
  offset: '5',
  timestamp: Date.parse('2026-11-21T03:00:01Z'),
  key: 'k',
  letter: {
    kind: 'invalid_event',
    reason: 'schema_violation',
    message: 'm',
    failedAt: '2026-11-21T03:00:00.000Z',
    issues: [],
    source: { topic: 't', partition: 0, offset: '9', key: 'k', timestamp: '2026-11-21T03:00:00.000Z' },
    rawBase64: Buffer.from('{"id":"evt-9","recipients":["email:bob@example.com"]}').toString('base64'),
  },
};

describe('dead letter rows', () => {
  it('an invalid message shows the event id its bytes carry, if any', () => {
    expect(summarize(invalid)).toEqual({
      id: '1:5',
      time: '2026-11-21T03:00:00.000Z',
      kind: 'invalid_event',
      eventId: 'evt-9',
      recipientId: null,
      channel: null,
      provider: null,
      attempts: null,
      reason: 'schema_violation',
    });
  });

  it('an unreadable message is a row with its Kafka time and why', () => {
    expect(summarize({ ...invalid, letter: null, unreadable: 'the value is not JSON' })).toMatchObject({
      kind: 'unreadable',
      time: '2026-11-21T03:00:01.000Z',
      reason: 'the value is not JSON',
    });
  });

  it('filters combine; kind matches a prefix (digest for digest_failed)', () => {
    const row = summarize(invalid);
    expect(matches(row, { kind: 'invalid' })).toBe(true);
    expect(matches(row, { kind: 'invalid', reason: 'schema_violation', ids: ['1:5'] })).toBe(true);
    expect(matches(row, { channel: 'email' })).toBe(false);
    expect(matches(row, { eventId: 'evt-9' })).toBe(true);
    expect(matches(row, { ids: ['0:5'] })).toBe(false);
  });

  it('redacts address entries and addresses inside strings, leaving ids', () => {
    expect(redactLetter({ recipients: ['u1', 'email:bob@example.com', 'phone:+14155550100'], note: 'mail bob@example.com now', id: 'evt-9' })).toEqual({
      recipients: ['u1', 'email:[redacted]', 'phone:[redacted]'],
      note: 'mail [email] now',
      id: 'evt-9',
    });
  });

  it('tables pad columns, right-align numbers and show missing cells as -', () => {
    const table = formatTable(
      [
        { a: 'x', n: 5 },
        { a: 'longer', n: 12 },
        { a: null, n: null },
      ],
      [
        { header: 'name', value: (r) => r.a },
        { header: 'count', value: (r) => r.n, right: true },
      ],
    );
    expect(table.split('\n')).toEqual(['NAME    COUNT', 'x           5', 'longer     12', '-           -']);
  });

  it('tables escape control and bidi characters in cells, so a row stays one line and its columns stay put', () => {
    const table = formatTable(
      [{ a: 'evt\x1b[2J\n\u202eX', n: 1 }],
      [
        { header: 'id', value: (r) => r.a },
        { header: 'n', value: (r) => r.n, right: true },
      ],
    );
    expect(table.split('\n')).toEqual(['ID                     N', 'evt\\x1b[2J\\x0a\\u202eX  1']);
    expect(line`event ${'a\x07\u2066b'} (${2} tries)`).toBe('event a\\x07\\u2066b (2 tries)');
  });

  it('redactDeadLetter masks every payload value, keeping keys and shape, and hides raw bytes', () => {
    const event = {
      version: 2 as const,
      id: 'evt-1',
      type: 'transactional' as const,
      priority: 'high' as const,
      payload: { name: 'Carol', n: 3, nested: { url: 'https://x.test/?t=1', list: ['a', null] } },
      recipients: ['u1', 'email:c@example.com'],
      channels: ['email' as const],
      createdAt: '2026-01-01T00:00:00Z',
    };
    const delivery = { recipientId: 'u1', channel: 'email' as const, provider: 'smtp', attempts: 1, retriable: false };
    expect(redactDeadLetter({ kind: 'delivery_failed', reason: 'r', message: 'to c@example.com', failedAt: 'now', event, delivery })).toMatchObject({
      message: 'to [email]',
      event: {
        id: 'evt-1',
        recipients: ['u1', 'email:[redacted]'],
        payload: { name: '[redacted]', n: '[redacted]', nested: { url: '[redacted]', list: ['[redacted]', null] } },
      },
    });
    const letter = invalid.letter!;
    const shown = redactDeadLetter(letter);
    expect(shown).not.toHaveProperty('rawBase64');
    expect(shown.raw).toMatch(/^\[redacted: \d+ bytes\]$/);
  });
});
