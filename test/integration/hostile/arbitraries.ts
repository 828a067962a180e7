import fc from 'fast-check';
import { CHANNELS, EVENT_TYPES, PRIORITIES } from '../../../src/contract/vocabulary';
import { LIMITS } from '../../../src/contract/limits';
import { PROTOTYPE_NAMES, SLOW_STRINGS, fitsTrimmed, hostileString, nonString, unicodeString } from './strings';

/**
 * Generators of hostile events, one per field a producer controls. Each draw is raw JSON text for
 * one or more fields (so `1e999`, `-0` and plain `NaN` reach the parser as written) and a claim:
 * `mustReject` when the contract refuses the value whatever the rest of the event holds (past a
 * limit, wrong type). A draw without the claim may be valid or not; the suite then asks the
 * contract (parseEvent) what herald must make of it.
 */

/** One draw: raw JSON text per field (undefined removes the field), whether the contract must refuse it, and the field it aims at. */
export interface Draw {
  set: Record<string, string | undefined>;
  mustReject: boolean;
  field?: string;
}

const HOLE = '\u0000hole';

/** `base` as JSON text with each field of `set` replaced by its raw JSON text (or removed). */
export function withFields(base: Record<string, unknown>, set: Record<string, string | undefined>): string {
  const fills: string[] = [];
  // fromEntries, not assignment: a field named "__proto__" must become an own property, as JSON.parse makes it.
  const entries = Object.entries(base).filter(([field]) => !Object.hasOwn(set, field));
  for (const [field, fragment] of Object.entries(set)) if (fragment !== undefined) entries.push([field, `${HOLE}${fills.push(fragment) - 1}`]);
  return JSON.stringify(Object.fromEntries(entries)).replace(/"\\u0000hole(\d+)"/g, (_m, i: string) => fills[Number(i)]!);
}

/** A valid critical alert to `recipient` on every channel: what each draw mutates. */
export function baseEvent(id: string, recipient: string): Record<string, unknown> {
  return {
    version: 2,
    id,
    type: 'alert',
    priority: 'critical',
    recipients: [recipient],
    channels: [...CHANNELS],
    payload: { title: 'Hostile input', message: 'Nothing to see here' },
    createdAt: new Date().toISOString(),
  };
}

const str = (value: unknown) => JSON.stringify(value);
const draw = (field: string, fragment: string, mustReject: boolean): Draw => ({ set: { [field]: fragment }, mustReject });

/** A string field: hostile strings (refused when `refused` says so) and, now and then, a value that is not a string. */
function stringField(field: string, strings: fc.Arbitrary<string>, refused: (s: string) => boolean): fc.Arbitrary<Draw> {
  return fc.oneof(
    { weight: 6, arbitrary: strings.map((s) => draw(field, str(s), refused(s))) },
    { weight: 1, arbitrary: nonString.map((f) => draw(field, f, true)) },
  );
}

const idField = (field: string) => stringField(field, hostileString(LIMITS.maxIdLength), (s) => !fitsTrimmed(s, LIMITS.maxIdLength));
const nameField = (field: string, known: string[]) =>
  stringField(field, fc.oneof(fc.constantFrom(...known), hostileString(LIMITS.maxNameLength)), (s) => !fitsTrimmed(s, LIMITS.maxNameLength));

function enumField(field: string, values: readonly string[]): fc.Arbitrary<Draw> {
  const near = values.flatMap((v) => [v, v.toUpperCase(), ` ${v}`, `${v}\u0000`]);
  return stringField(field, fc.oneof(fc.constantFrom(...near, ...PROTOTYPE_NAMES), hostileString()), (s) => !values.includes(s));
}

/** BCP 47 as the contract read it when this suite was written; a later, stricter rule only refuses more. */
const LOCALE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const locale = stringField(
  'locale',
  fc.oneof(
    fc.constantFrom('en', 'fr', 'fr-CA', 'FR', 'en_US', 'zh-Hant-TW', 'en-', 'e', 'i-klingon', 'x-private', 'en-abcdefghi'),
    // Long runs stay short of the 9 KB one of the findings batch: each costs the renderer a loop over its subtags.
    fc.integer({ min: 1, max: 300 }).map((n) => `en${'-ab'.repeat(n)}`),
    fc.integer({ min: 1, max: 100 }).map((n) => `fr${'-abcdefgh'.repeat(n)}`),
    hostileString(LIMITS.maxNameLength),
  ),
  (s) => !LOCALE_TAG.test(s),
);

/** Deep, wide, huge, polluted and non-object payloads, as raw JSON text with whether the contract must refuse them. */
const payloadShapes: fc.Arbitrary<[string, boolean]> = fc.oneof(
  fc.record({ title: hostileString(), message: hostileString() }).map((p): [string, boolean] => [str(p), false]),
  fc
    .dictionary(fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), unicodeString), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 30 })
    .map((p): [string, boolean] => [str(p), false]),
  // The event is level 1 and the payload level 2, so `depth` nested objects inside it reach depth + 2.
  fc
    .constantFrom(61, 62, 63, 5_000)
    .map((depth): [string, boolean] => [`{"title":"t","message":"m","deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`, depth + 2 > LIMITS.maxJsonDepth]),
  fc.constantFrom(1_000, 10_000, 30_000).map((keys): [string, boolean] => {
    const text = `{${Array.from({ length: keys }, (_, i) => `"k${i}":"v"`).join(',')}}`;
    return [text, text.length > LIMITS.maxPayloadBytes];
  }),
  // `{"message":"…"}` is 14 bytes around the string: exactly at the limit, and one byte past it, in 1- and 3-byte characters.
  fc.constantFrom([1, 0], [1, 1], [3, 0], [3, 3]).map(([width, over]): [string, boolean] => {
    const room = LIMITS.maxPayloadBytes - 14 + over!;
    return [str({ message: (width === 1 ? 'x' : '中').repeat(Math.floor(room / width!)) }), over! > 0];
  }),
  fc.constant<[string, boolean]>([
    '{"__proto__":{"title":"polluted","isAdmin":true},"constructor":{"prototype":{"polluted":true}},"title":"t","message":"m"}',
    false,
  ]),
  fc.constant<[string, boolean]>(['{"title":"t","message":"m","inf":1e999,"negzero":-0,"big":1e308,"tiny":5e-324,"list":[1e999,-1e999]}', false]),
  fc.constantFrom('[]', '"x"', 'null', '1e999', 'NaN').map((f): [string, boolean] => [f, true]),
);

const payload = fc.oneof(
  payloadShapes.map(([fragment, mustReject]) => draw('payload', fragment, mustReject)),
  // The bundled password-reset template renders payload.name and payload.url (through the url helper).
  fc
    .record({ name: hostileString(), url: hostileString() })
    .map((p): Draw => ({ set: { template: '"password-reset"', payload: str(p) }, mustReject: false, field: 'payload.url' })),
);

/** Entries of `recipients`: user ids named like prototype properties, direct addresses with junk, webhook names. */
function recipientEntry(known: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      known,
      ...PROTOTYPE_NAMES,
      'email:a@example.com',
      'email:"a b"@example.com',
      'email:a@[127.0.0.1]',
      'phone:+14155550100',
      `phone:${'+1'.repeat(2_000)}`,
    ),
    fc.constantFrom(
      `push:${'x'.repeat(4_000)}`,
      'webhook:partner',
      'webhook: partner ',
      'webhook:__proto__',
      'webhook:constructor',
      'webhook:../../admin',
      'webhook:',
      'email:',
      ' ',
    ),
    fc.tuple(fc.constantFrom('email:', 'phone:', 'push:', 'webhook:', 'EMAIL:', ''), hostileString(LIMITS.maxRecipientLength)).map(([prefix, s]) => prefix + s),
  );
}

function recipients(known: string): fc.Arbitrary<Draw> {
  const many = (n: number, distinct: boolean) => Array.from({ length: n }, (_, i) => (distinct ? `hostile-unknown-${i}` : known));
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.array(recipientEntry(known), { minLength: 1, maxLength: 12 }).map((list) =>
        draw(
          'recipients',
          str(list),
          list.some((r) => !fitsTrimmed(r, LIMITS.maxRecipientLength)),
        ),
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(0, 1_000, 1_001).map((n) => draw('recipients', str(many(n, false)), n === 0 || n > LIMITS.maxRecipients)) },
    // Distinct unknown users, on one channel: at the limit this is 1,000 deliveries to record.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(1_000, 1_001)
        .map((n): Draw => ({ set: { recipients: str(many(n, true)), channels: '["in_app"]' }, mustReject: n > LIMITS.maxRecipients })),
    },
    { weight: 1, arbitrary: fc.constantFrom('"u1"', '{}', 'null', '[1]', '[null]', '[["u1"]]').map((f) => draw('recipients', f, true)) },
  );
}

const channels = fc.oneof(
  fc.subarray([...CHANNELS], { minLength: 1 }).map((list) => draw('channels', str(list), false)),
  fc
    .array(fc.constantFrom(...CHANNELS, 'fax', 'EMAIL', ' email', '__proto__', 'constructor', ''), { maxLength: 40 })
    .map((list) => draw('channels', str(list), list.length === 0 || list.some((c) => !(CHANNELS as readonly string[]).includes(c)))),
  fc.constantFrom(1_000, 5_000).map((n) => draw('channels', str(Array(n).fill('in_app')), false)),
  fc.constantFrom('"email"', 'null', '{}', '[1]').map((f) => draw('channels', f, true)),
);

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** Far past and future, leap seconds, impossible days, every offset form, too many fraction digits. */
function dateStrings(): string[] {
  const now = Date.now();
  return [
    ...[
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00.000Z',
      '1970-01-01T00:00:00Z',
      '1969-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999Z',
      '+275760-09-13T00:00:00Z',
      '-271821-04-20T00:00:00Z',
    ],
    ...[
      '2016-12-31T23:59:60Z',
      '2026-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:00:00+14:00',
      '2026-01-01T00:00:00-12:00',
      '2026-01-01T00:00:00+24:00',
    ],
    ...[
      '2026-01-01T00:00:00z',
      '2026-01-01t00:00:00Z',
      '2026-01-01 00:00:00Z',
      '2026-01-01',
      '2026-01-01T00:00:00',
      '2026-01-01T00:00:00.123456789Z',
      `2026-01-01T00:00:00.${'9'.repeat(5_000)}Z`,
    ],
    ...['2026-01-01T00:00:00+0100', 'now', '', iso(now - 2 * 3_600_000), iso(now + 60_000), iso(now + 2_000), iso(now + 366 * DAY), iso(now + 30 * DAY)],
  ];
}

function dateField(field: string): fc.Arbitrary<Draw> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...dateStrings()).map((d) => draw(field, str(d), d === '' || d === 'now')) },
    { weight: 1, arbitrary: fc.constantFrom(String(Date.now()), '1e308', '-0', '1e999', 'null', '{}').map((f) => draw(field, f, true)) },
  );
}

const DELAYS = [
  '1e308s',
  'NaN',
  '-0',
  'Infinity',
  '0s',
  '0',
  '-1s',
  '1s',
  '15m',
  '1.5h',
  '1e3s',
  ' 1h ',
  '1h\u0000',
  'PT',
  'P',
  'P1Y',
  'P1M',
  'PT1.5S',
  'P0D',
  'PT0S',
  'P1DT',
  'P1W2D',
  '100y',
  '36500d',
  '36501d',
  '5200w',
  '0.0000001ms',
  'PT0.0001S',
];
const delay = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(...DELAYS, `${'9'.repeat(64)}ms`, `${'9'.repeat(65)}ms`, `${'9'.repeat(5_000)}d`, `P${'9'.repeat(60)}W`, `${'1'.repeat(30)}.5s`)
      .map((d) => draw('delay', str(d), false)),
  },
  { weight: 1, arbitrary: fc.constantFrom('1e308', '-0', '1e999', '60000', 'null', 'NaN').map((f) => draw('delay', f, true)) },
  { weight: 1, arbitrary: fc.constant<Draw>({ set: { delay: '"1m"', sendAt: str(iso(Date.now() + 60_000)) }, mustReject: true, field: 'delay+sendAt' }) },
);

const version = fc.oneof(
  fc.constantFrom('2', '2.0', '2e0', '20e-1', '0.2e1', '2.0000000000000001').map((f) => draw('version', f, false)),
  fc.constantFrom('1', '3', '-0', '1e999', 'null', '"2"', '[2]', 'true').map((f) => draw('version', f, true)),
  // No version at all: read as version 1, which has no webhook channel.
  fc.constant<Draw>({ set: { version: undefined, channels: '["in_app","email"]' }, mustReject: false, field: 'version (absent)' }),
);

/** Unknown top-level fields, named like prototype properties among others: refused by the strict schema. */
const extraKeys = fc
  .tuple(fc.constantFrom(...PROTOTYPE_NAMES, 'x', '', 'ID', 'id ', '\u202eid'), fc.jsonValue({ maxDepth: 2 }))
  .map(([key, value]): Draw => ({ set: { [key]: str(value ?? null) }, mustReject: true, field: `extra key ${str(key)}` }));

/** Every event field's generator, by field name; `known` is a user who exists. */
export function eventArbitraries(known: string): Record<string, fc.Arbitrary<Draw>> {
  return {
    id: idField('id'),
    deduplicationKey: idField('deduplicationKey'),
    type: enumField('type', EVENT_TYPES),
    priority: enumField('priority', PRIORITIES),
    template: nameField('template', ['alert', 'password-reset', 'unknown-template', ...PROTOTYPE_NAMES]),
    locale,
    category: nameField('category', ['billing', 'marketing', ...PROTOTYPE_NAMES]),
    payload,
    recipients: recipients(known),
    channels,
    createdAt: dateField('createdAt'),
    sendAt: dateField('sendAt'),
    delay,
    version,
    extraKeys,
  };
}

/** The inputs issue 15 found slow (findings 3 to 5), each as the draw that carries it. */
export function slowDraws(): Record<string, Draw> {
  const longUnknown = Array.from({ length: 100 }, (_, i) => `${'a'.repeat(3_995)}${String(i).padStart(3, '0')} @`);
  return {
    'locale en + "-ab" x 3000': { set: { locale: str(SLOW_STRINGS.locale), channels: '["in_app"]' }, mustReject: false, field: 'locale' },
    'payload.message http://a/ + ")" x 30000': {
      set: { payload: str({ title: 'Link', message: SLOW_STRINGS.bracketsAfterLink }), channels: '["in_app","email","push"]' },
      mustReject: false,
      field: 'payload.message',
    },
    'payload "a" x 50000 + " @"': {
      set: { payload: str({ title: SLOW_STRINGS.wordsBeforeAt, message: SLOW_STRINGS.wordsBeforeAt }) },
      mustReject: false,
      field: 'payload.title',
    },
    '100 recipients, 4000-character unknown ids': {
      set: { recipients: str(longUnknown), channels: '["in_app","email"]' },
      mustReject: false,
      field: 'recipients',
    },
  };
}
