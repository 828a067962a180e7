import fc from 'fast-check';
import { LIMITS } from '../../../src/contract/limits';
import { PROFILE_LIMITS } from '../../../src/recipients/user-profile';
import { withFields, type Draw } from './arbitraries';
import type { HttpInput } from './http-calls';
import { PROTOTYPE_NAMES, SLOW_STRINGS, hostileString, nonString } from './strings';

/**
 * What an API client controls besides the event: every field of a user profile, odd ids in
 * paths, and query strings. Bodies are raw JSON text, as in ./arbitraries.ts.
 */

const str = (value: unknown) => JSON.stringify(value);
const draw = (field: string, fragment: string, mustReject: boolean): Draw => ({ set: { [field]: fragment }, mustReject });
const anyString = (field: string, strings: fc.Arbitrary<string>, refused: (s: string) => boolean) =>
  fc.oneof({ weight: 5, arbitrary: strings.map((s) => draw(field, str(s), refused(s))) }, { weight: 1, arbitrary: nonString.map((f) => draw(field, f, true)) });

/** `n` category opt-outs named `c0…`, raw JSON. */
const categories = (n: number, name = (i: number) => `c${i}`) => `{${Array.from({ length: n }, (_, i) => `${str(name(i))}:false`).join(',')}}`;

const preferences: fc.Arbitrary<Draw> = fc.oneof(
  fc
    .constantFrom(PROFILE_LIMITS.maxCategories - 1, PROFILE_LIMITS.maxCategories, PROFILE_LIMITS.maxCategories + 1, 5_000)
    .map((n) => draw('preferences', `{"categories":${categories(n)}}`, n > PROFILE_LIMITS.maxCategories)),
  fc
    .constantFrom(PROFILE_LIMITS.maxCategoryLength, PROFILE_LIMITS.maxCategoryLength + 1)
    .map((len) => draw('preferences', `{"categories":${categories(3, (i) => String(i).repeat(len))}}`, len > PROFILE_LIMITS.maxCategoryLength)),
  fc.constant(draw('preferences', '{"categories":{"__proto__":false,"billing":false}}', true)),
  fc
    .constantFrom(...PROTOTYPE_NAMES.filter((n) => n !== '__proto__'))
    .map((name) => draw('preferences', `{"categories":{${str(name)}:false},"types":{"marketing":false}}`, false)),
  fc
    .constantFrom(
      '{"channels":{"fax":false}}',
      '{"channels":{"__proto__":false}}',
      '{"types":{"marketing":"no"}}',
      '{"extra":1}',
      '[]',
      '{"categories":[]}',
      '{"categories":{"x":null}}',
    )
    .map((f) => draw('preferences', f, true)),
  fc
    .dictionary(hostileString(PROFILE_LIMITS.maxCategoryLength), fc.boolean(), { maxKeys: 20 })
    .map((c) => draw('preferences', `{"categories":${str(c)}}`, false)),
);

const HHMM = ['00:00', '23:59', '24:00', '7:00', '07:60', '-1:00', '22:00 ', '22:00\u0000', ''];

/** Every profile field's generator (`PUT /api/users/:id`). */
export const profileArbitraries: Record<string, fc.Arbitrary<Draw>> = {
  email: anyString(
    'email',
    fc.oneof(
      fc.constantFrom(
        'a@b.co',
        `${'a'.repeat(64)}@${'b'.repeat(251)}.com`,
        'a@b',
        '"a b"@example.com',
        'ADA@EXAMPLE.COM',
        'a@[127.0.0.1]',
        SLOW_STRINGS.wordsBeforeAt,
      ),
      hostileString(320),
    ),
    (s) => s.length > 320,
  ),
  phone: anyString(
    'phone',
    fc.oneof(
      fc.constantFrom('+14155550100', '+1'.repeat(8), `+${'9'.repeat(15)}`, `+${'9'.repeat(16)}`, '+0123456789', '14155550100', ' +14155550100'),
      hostileString(),
    ),
    (s) => !/^\+[1-9]\d{7,14}$/.test(s),
  ),
  pushTokens: fc.oneof(
    fc
      .array(hostileString(PROFILE_LIMITS.maxPushTokenLength), { maxLength: 25 })
      .map((t) =>
        draw('pushTokens', str(t), t.length > PROFILE_LIMITS.maxPushTokens || t.some((x) => x.length === 0 || x.length > PROFILE_LIMITS.maxPushTokenLength)),
      ),
    fc
      .constantFrom(PROFILE_LIMITS.maxPushTokens, PROFILE_LIMITS.maxPushTokens + 1)
      .map((n) => draw('pushTokens', str(Array.from({ length: n }, (_, i) => `tok-${i}`)), n > PROFILE_LIMITS.maxPushTokens)),
    // Not a list at all (the fragments that are lists of strings are valid here).
    nonString.filter((f) => !f.startsWith('[')).map((f) => draw('pushTokens', f, true)),
  ),
  locale: anyString(
    'locale',
    fc.oneof(
      fc.constantFrom('en', 'fr-CA', 'EN', 'en_US', 'zh-Hant-TW'),
      fc.integer({ min: 1, max: 300 }).map((n) => `en${'-ab'.repeat(n)}`),
      hostileString(LIMITS.maxNameLength),
    ),
    (s) => !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(s),
  ),
  timeZone: anyString(
    'timeZone',
    fc.oneof(
      fc.constantFrom(
        'UTC',
        'Europe/Paris',
        'Etc/GMT+14',
        'Etc/GMT-14',
        'utc',
        'Z',
        '+01:00',
        '../../etc/passwd',
        'Europe/Paris\u0000',
        'EST5EDT',
        ...PROTOTYPE_NAMES,
      ),
      hostileString(PROFILE_LIMITS.maxTimeZoneLength),
    ),
    (s) => s.length > PROFILE_LIMITS.maxTimeZoneLength,
  ),
  quietHours: fc.oneof(
    fc.record({ start: fc.constantFrom(...HHMM), end: fc.constantFrom(...HHMM) }).map((q) => draw('quietHours', str(q), false)),
    fc.constantFrom('{"start":"22:00"}', '{"start":"22:00","end":"07:00","tz":"x"}', '[]', '"22-07"').map((f) => draw('quietHours', f, true)),
  ),
  preferences,
  extraKeys: fc
    .constantFrom(...PROTOTYPE_NAMES, 'isAdmin', 'id')
    .map((key): Draw => ({ set: { [key]: '{"isAdmin":true}' }, mustReject: true, field: `extra key ${key}` })),
};

/** `PUT /api/users/<id>` of each draw, to users named `<prefix>-<i>`. */
export function profileInputs(arbitrary: fc.Arbitrary<Draw>, field: string, count: number, seed: number, prefix: string): HttpInput[] {
  return fc.sample(arbitrary, { numRuns: count, seed }).map((d, i) => ({
    field: `PUT /api/users/:id ${d.field ?? field}`,
    method: 'PUT',
    path: `/api/users/${prefix}-${i}`,
    value: Buffer.from(withFields({ email: 'hostile@example.com' }, d.set)),
    mustReject: d.mustReject,
  }));
}

/** Path segments as a client may write them: dot segments, bad percent-encoding, at and past the id limits. */
const ODD_IDS = [
  ...[
    '..',
    '.',
    '%2e%2e',
    '..%2f..%2fadmin',
    '%2F',
    'a%2Fb',
    '%00',
    '%',
    '%zz',
    '%ff',
    '%c0%ae',
    '__proto__',
    'constructor',
    'a;b',
    'a?b',
    'a#b',
    '@',
    'a:b',
    '%20',
  ],
  ...[
    'x'.repeat(LIMITS.maxIdLength),
    'x'.repeat(LIMITS.maxIdLength + 1),
    'x'.repeat(600),
    'x'.repeat(601),
    '%41'.repeat(LIMITS.maxIdLength),
    encodeURIComponent('中'.repeat(LIMITS.maxIdLength)),
  ],
  ...[encodeURIComponent('\u202e'), encodeURIComponent(SLOW_STRINGS.wordsBeforeAt.slice(-300))],
];
const QUERIES = [
  '?limit=NaN',
  '?limit=-1',
  '?limit=1e308',
  '?limit=0',
  '?limit=200',
  '?limit=201',
  '?limit=',
  '?limit=%00',
  '?limit=1&limit=2',
  '?limit[]=1',
  '?limit=1.5',
  `?limit=${'9'.repeat(5_000)}`,
  '?__proto__=1',
  '?constructor[prototype][x]=1',
  `?${'a=1&'.repeat(2_000)}`,
];

/** Every route with an id, with each odd id; the inbox with each odd query. */
export function pathInputs(user: string): HttpInput[] {
  const input = (method: HttpInput['method'], path: string, body?: string): HttpInput => ({
    field: `${method} ${path.replace(/\/[^/]*$/, '/:id').slice(0, 40)}`,
    method,
    path,
    value: body ? Buffer.from(body) : null,
    mustReject: false,
  });
  return [
    ...ODD_IDS.flatMap((id) => [
      input('GET', `/api/users/${id}`),
      input('PUT', `/api/users/${id}`, '{}'),
      input('GET', `/api/users/${id}/inbox`),
      input('GET', `/api/notifications/${id}`),
      input('DELETE', `/api/notifications/${id}`),
    ]),
    ...QUERIES.map((q): HttpInput => ({
      field: `GET inbox ${q.slice(0, 30)}`,
      method: 'GET',
      path: `/api/users/${user}/inbox${q}`,
      value: null,
      mustReject: !['?limit=200', '?limit=', '?limit[]=1', '?__proto__=1', '?constructor[prototype][x]=1'].includes(q) && !q.startsWith('?a='),
    })),
  ];
}

/** Bodies that are no event at all: empty, not an object, nested past any limit, over the body limit, not JSON, another media type. */
export function oddBodies(): HttpInput[] {
  const body = (field: string, value: Buffer, contentType?: string): HttpInput => ({
    field: `POST /api/notify ${field}`,
    method: 'POST',
    path: '/api/notify',
    value,
    contentType,
    mustReject: true,
  });
  return [
    body('empty', Buffer.alloc(0)),
    ...['null', '[]', '"x"', '1e999', 'NaN', '{"a":1}{"b":2}'].map((t) => body(t, Buffer.from(t))),
    body('nested 100,000 deep', Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
    body('over 512 KiB', Buffer.from(`{"payload":"${'x'.repeat(LIMITS.maxEventBytes)}"}`)),
    body('invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
    body('text/plain', Buffer.from('{}'), 'text/plain'),
    body('json with charset junk', Buffer.from('{}'), 'application/json; charset=utf-7'),
  ];
}

const TRACEPARENT = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;

/** Request headers a client sets: the key in odd forms, trace context junk, content types, sizes at and past Node's limits. */
export function headerInputs(user: string): HttpInput[] {
  const get = (field: string, headers: Record<string, string | string[]>, mustReject = false): HttpInput => ({
    field: `GET inbox ${field}`,
    method: 'GET',
    path: `/api/users/${user}/inbox`,
    value: null,
    requestHeaders: headers,
    mustReject,
  });
  const notify = (field: string, headers: Record<string, string | string[]>, contentType?: string): HttpInput => ({
    field: `POST /api/notify ${field}`,
    method: 'POST',
    path: '/api/notify',
    value: Buffer.from(JSON.stringify({ type: 'alert', priority: 'critical', recipients: [user], channels: ['in_app'], payload: { message: 'headers' } })),
    contentType,
    requestHeaders: headers,
    mustReject: false,
  });
  return [
    ...[
      '',
      'Bearer',
      'Bearer ',
      'bearer test-key',
      'BEARER  test-key\t',
      'Bearer test-key extra',
      'Basic dGVzdDprZXk=',
      `Bearer ${'a'.repeat(8_000)}`,
      `Bearer ${'a '.repeat(4_000)}`,
      'Bearer test-key\u00e9',
    ].map((auth) => get(`authorization ${JSON.stringify(auth.slice(0, 20))}`, { authorization: auth }, !/^bearer[ \t]+test-key[ \t]*$/i.test(auth))),
    get('authorization twice', { authorization: ['Bearer test-key', 'Bearer other'] }),
    get('a 20 KB header', { 'x-junk': 'x'.repeat(20_000) }, true),
    get('2,100 headers', Object.fromEntries(Array.from({ length: 2_100 }, (_, i) => [`x-h${i}`, 'v']))),
    ...[TRACEPARENT, `ff-${'f'.repeat(32)}-${'f'.repeat(16)}-ff`, '00-abc', 'x'.repeat(8_000), `${TRACEPARENT}-${'junk'.repeat(1_000)}`].map((tp) =>
      notify(`traceparent ${tp.slice(0, 12)}`, { traceparent: tp, tracestate: 'a=b,'.repeat(2_000) }),
    ),
    ...[
      'application/json; charset=latin1',
      'application/JSON',
      'application/json; boundary=x; charset=utf-8',
      'application/vnd.api+json',
      'text/json',
      `application/json; ${'x=y; '.repeat(1_000)}`,
    ].map((type) => notify(`content-type ${type.slice(0, 30)}`, {}, type)),
  ];
}
