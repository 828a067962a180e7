import { LIMITS } from '../../../src/contract/limits';
import { parseEvent, parseEventObject, type ParseResult } from '../../../src/contract/parse-event';
import { bytes, v1Event, v2Event } from './sample-events';

function rejected(result: ParseResult) {
  if (result.ok) throw new Error(`expected a rejection, got event ${result.event.id}`);
  return result;
}

describe('parseEvent: version 1', () => {
  it('accepts a v1 event exactly as producers emit it and upcasts it to version 2', () => {
    const result = parseEvent(bytes(v1Event()));
    expect(result).toEqual({
      ok: true,
      sourceVersion: 1,
      event: { ...v1Event(), version: 2, category: 'transactional' },
    });
  });

  it('uses the type as category so category opt-outs apply to old producers', () => {
    const result = parseEvent(bytes(v1Event({ type: 'marketing', deduplicationKey: undefined })));
    expect(result.ok && result.event.category).toBe('marketing');
  });

  it('rejects a v2-only field on an event without "version", naming the field and the fix', () => {
    const result = rejected(parseEvent(bytes(v1Event({ template: 'welcome' }))));
    expect(result.code).toBe('schema_violation');
    expect(result.issues).toEqual([{ path: 'template', message: 'unknown field "template"; remove it or check its spelling' }]);
    expect(result.message).toContain('template, locale, category, sendAt and delay need "version": 2');
  });
});

describe('parseEvent: version 2', () => {
  it('accepts template, locale, category and sendAt unchanged', () => {
    const result = parseEvent(bytes(v2Event()));
    expect(result).toEqual({ ok: true, sourceVersion: 2, event: v2Event() });
  });

  it('accepts the minimal v2 event (optional fields absent)', () => {
    const { template: _t, locale: _l, category: _c, sendAt: _s, deduplicationKey: _d, ...minimal } = v2Event();
    expect(parseEvent(bytes(minimal)).ok).toBe(true);
  });

  it('names each bad v2 field', () => {
    const result = rejected(parseEvent(bytes(v2Event({ locale: 'English', sendAt: 'tomorrow', template: '', channels: ['fax'] }))));
    expect(result.code).toBe('schema_violation');
    expect(result.issues.map((i) => i.path).sort()).toEqual(['channels.0', 'locale', 'sendAt', 'template']);
    expect(result.issues.find((i) => i.path === 'locale')?.message).toMatch(/BCP 47/);
    expect(result.issues.find((i) => i.path === 'sendAt')?.message).toMatch(/ISO 8601/);
  });
});

describe('parseEvent: messages that are not events', () => {
  it.each([
    ['a tombstone (null value)', null],
    ['an empty value', Buffer.alloc(0)],
  ])('rejects %s as malformed_json', (_label, raw) => {
    const result = rejected(parseEvent(raw));
    expect(result.code).toBe('malformed_json');
    expect(result.message).toMatch(/tombstone or empty/);
  });

  it('rejects invalid JSON with the parser message', () => {
    const result = rejected(parseEvent(bytes('{"id": "evt-1",')));
    expect(result.code).toBe('malformed_json');
    expect(result.message).toMatch(/not valid JSON \(.+\)/);
  });

  it.each([
    ['an array', [v1Event()]],
    ['a string', 'evt-1'],
    ['a number', 42],
    ['null', null],
  ])('rejects JSON that is %s as not_an_object', (_label, value) => {
    const result = rejected(parseEvent(bytes(JSON.stringify(value))));
    expect(result.code).toBe('not_an_object');
    expect(result.message).toMatch(/one event object per message/);
  });

  it('rejects JSON nested deeper than maxJsonDepth as too_deep, without overflowing the stack', () => {
    // 50,000 levels: JSON.parse takes them, any recursive walk (zod's payload check) threw RangeError.
    const deep = `{"a":`.repeat(50_000) + '1' + '}'.repeat(50_000);
    const result = rejected(parseEvent(bytes(JSON.stringify(v2Event({ payload: '__DEEP__' })).replace('"__DEEP__"', deep))));
    expect(result.code).toBe('too_deep');
    expect(result.message).toContain(`more than ${LIMITS.maxJsonDepth} levels deep`);
  });

  it('accepts a payload nested right up to maxJsonDepth', () => {
    // The event is level 1 and its payload level 2; wrapping { leaf: 1 } 62 times puts it at level 64.
    let payload: Record<string, unknown> = { leaf: 1 };
    for (let level = 2; level < LIMITS.maxJsonDepth; level++) payload = { a: payload };
    expect(parseEvent(bytes(v2Event({ payload }))).ok).toBe(true);
    expect(rejected(parseEvent(bytes(v2Event({ payload: { a: payload } })))).code).toBe('too_deep');
  });

  it.each([3, 1, '2', null])('rejects version %p as unknown_version', (version) => {
    const result = rejected(parseEvent(bytes(v2Event({ version }))));
    expect(result.code).toBe('unknown_version');
    expect(result.message).toContain(`event version ${JSON.stringify(version)} is not supported`);
  });

  it.each([
    ['v1', v1Event({ priorty: 'high' })],
    ['v2', v2Event({ priorty: 'high' })],
  ])('rejects an unknown field on a %s event at the field path', (_label, event) => {
    const result = rejected(parseEvent(bytes(event)));
    expect(result.code).toBe('schema_violation');
    expect(result.issues).toEqual([{ path: 'priorty', message: expect.stringContaining('unknown field "priorty"') }]);
  });

  it('lists every problem at once, each with its path', () => {
    const result = rejected(parseEventObject({ id: '', type: 'spam', recipients: [], channels: [], createdAt: 'now' }));
    expect(result.issues.map((i) => i.path).sort()).toEqual(['channels', 'createdAt', 'id', 'payload', 'priority', 'recipients', 'type']);
  });

  it('rejects a message over the byte limit before parsing it', () => {
    const raw = Buffer.alloc(LIMITS.maxEventBytes + 1, 0x20);
    const result = rejected(parseEvent(raw));
    expect(result.code).toBe('oversize');
    expect(result.message).toBe(
      `the message is ${LIMITS.maxEventBytes + 1} bytes; the limit is ${LIMITS.maxEventBytes}. Move large content out of the payload`,
    );
  });

  it('accepts a message of exactly the byte limit (whitespace padding)', () => {
    const json = JSON.stringify(v1Event());
    const raw = Buffer.from(json + ' '.repeat(LIMITS.maxEventBytes - Buffer.byteLength(json)));
    expect(parseEvent(raw).ok).toBe(true);
  });
});

describe('parseEvent: text that is not well-formed Unicode', () => {
  // JSON may escape a lone surrogate ("\ud800"), which no UTF-8 store holds: Redis's cjson refused the
  // delivery records of such an event ("invalid unicode escape code"), and herald retried them for ever.
  it.each([
    ['the id', { id: 'evt-\ud800' }, 'id'],
    ['the deduplication key', { deduplicationKey: 'key-\udfff' }, 'deduplicationKey'],
    ['a recipient', { recipients: ['user-42', 'user-\udc00'] }, 'recipients.1'],
    ['the template', { template: 'reset\ud83d' }, 'template'],
    ['a payload value', { payload: { name: 'Ada', nested: { list: ['ok', 'x\ud800y'] } } }, 'payload.nested.list.1'],
    ['a payload key', { payload: { ['k\ud800']: 'v' } }, 'payload.k\\ud800'],
  ])('refuses a lone surrogate in %s as schema_violation, at its path', (_label, overrides, path) => {
    const result = rejected(parseEvent(bytes(v2Event(overrides))));
    expect(result.code).toBe('schema_violation');
    expect(result.issues).toEqual([{ path, message: expect.stringContaining('lone surrogate') }]);
    expect(result.message).toContain('well-formed');
  });

  it('accepts surrogate pairs (emoji), escaped or not', () => {
    expect(parseEvent(bytes(v2Event({ id: 'evt-🙂', payload: { name: 'Ada \ud83d\ude42' } }))).ok).toBe(true);
    expect(parseEvent(Buffer.from(JSON.stringify(v2Event()).replace('"Ada"', '"Ada \\ud83d\\ude42"'))).ok).toBe(true);
  });
});
