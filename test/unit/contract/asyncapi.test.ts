import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { messageKey } from '../../../src/client/event-message';
import { configSchema } from '../../../src/config/schema';
import { ASYNCAPI_EXAMPLES } from '../../../src/contract/asyncapi-examples';
import { DEFAULT_TOPICS, buildAsyncApiDocument, deadLetterHeadersSchema, incomingHeadersSchema, statusHeadersSchema } from '../../../src/contract/asyncapi';
import { deadLetterSchema } from '../../../src/contract/dead-letter';
import type { EventV2 } from '../../../src/contract/event-v2';
import { parseEventObject } from '../../../src/contract/parse-event';
import { statusMessageSchema } from '../../../src/contract/status-message';
import { ASYNCAPI_FILE, renderAsyncApiDocument } from '../../../scripts/write-json-schema';
import packageJson from '../../../package.json';
import { v1Event, v2Event } from './sample-events';

type Json = any;
const doc: Json = buildAsyncApiDocument({ version: packageJson.version });
const schemas = doc.components.schemas;

/** Annotations: they say nothing a value must satisfy. */
const ANNOTATIONS = new Set(['title', 'description', 'format', 'examples', 'contentMediaType', 'contentSchema', 'x-herald-limits']);
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const isType = (t: string, v: unknown) => (t === 'integer' ? Number.isInteger(v) : t === typeOf(v));

/**
 * The problems of `value` under `schema`, for the keywords zod generates. No JSON Schema validator is
 * a dependency of herald, so this covers exactly those keywords and throws on any other: a keyword it
 * does not know cannot pass unchecked.
 */
function problems(schema: Json, value: any, at = '$'): string[] {
  const out: string[] = [];
  for (const [keyword, arg] of Object.entries<any>(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    const bad = (what: string) => out.push(`${at}: ${what}`);
    const obj = typeOf(value) === 'object';
    const str = typeof value === 'string';
    switch (keyword) {
      case 'type':
        if (![arg].flat().some((t: string) => isType(t, value))) bad(`is ${typeOf(value)}, not ${arg}`);
        break;
      case 'const':
        if (value !== arg) bad(`is ${JSON.stringify(value)}, not ${JSON.stringify(arg)}`);
        break;
      case 'enum':
        if (!arg.includes(value)) bad(`${JSON.stringify(value)} is not one of ${arg.join(', ')}`);
        break;
      case 'required':
        if (obj) for (const key of arg) if (!(key in value)) bad(`misses required ${key}`);
        break;
      case 'properties':
        if (obj) for (const [key, sub] of Object.entries(arg)) if (key in value) out.push(...problems(sub, value[key], `${at}.${key}`));
        break;
      case 'additionalProperties':
        if (obj)
          for (const key of Object.keys(value).filter((k) => !(k in (schema.properties ?? {}))))
            out.push(...(arg === false ? [`${at}: unknown ${key}`] : problems(arg, value[key], `${at}.${key}`)));
        break;
      case 'propertyNames':
        if (obj) for (const key of Object.keys(value)) out.push(...problems(arg, key, `${at}[key ${key}]`));
        break;
      case 'items':
        if (Array.isArray(value)) value.forEach((item, i) => out.push(...problems(arg, item, `${at}[${i}]`)));
        break;
      case 'minItems':
      case 'maxItems':
        if (Array.isArray(value) && (keyword === 'minItems' ? value.length < arg : value.length > arg)) bad(`${keyword} ${arg}, has ${value.length}`);
        break;
      case 'minLength':
      case 'maxLength':
        if (str && (keyword === 'minLength' ? [...value].length < arg : [...value].length > arg)) bad(`${keyword} ${arg}`);
        break;
      case 'pattern':
        if (str && !new RegExp(arg, 'u').test(value)) bad(`does not match ${arg}`);
        break;
      case 'minimum':
      case 'maximum':
        if (typeof value === 'number' && (keyword === 'minimum' ? value < arg : value > arg)) bad(`${keyword} ${arg}`);
        break;
      case 'oneOf': {
        const each: string[][] = arg.map((sub: Json) => problems(sub, value, at));
        const passing = each.filter((p) => p.length === 0).length;
        if (passing !== 1) bad(`matches ${passing} of the oneOf schemas, not exactly one (${each.flat().join('; ')})`);
        break;
      }
      case 'not':
        if (problems(arg, value, at).length === 0) bad('matches the schema under not');
        break;
      default:
        throw new Error(`the test validator does not know the keyword ${keyword} (at ${at}); teach it before trusting the check`);
    }
  }
  return out;
}

/** The value a `#/…` reference points to in the document, or undefined. */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((node, key) => (node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? node[key] : undefined), doc);
}

function refsIn(node: unknown, at = '#'): { at: string; ref: string }[] {
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{ at, ref: v }] : refsIn(v, `${at}/${k}`)));
}

/** A zod object's keys, and those it requires, as JSON Schema names them. */
function shapeOf(schema: z.ZodObject): { properties: string[]; required: string[] } {
  const keys = Object.keys(schema.shape);
  return { properties: keys, required: keys.filter((k) => !schema.shape[k]!.safeParse(undefined).success) };
}

const event = ASYNCAPI_EXAMPLES.notificationEvent.payload as EventV2;
const deferred = {
  ...ASYNCAPI_EXAMPLES.statusChange.payload,
  status: 'deferred',
  reason: 'smtp_transient',
  detail: '421 try later',
  nextAttemptAt: '2026-01-31T09:00:31.000Z',
};
const invalidLetter = {
  kind: 'invalid_event',
  reason: 'malformed_json',
  message: 'the message is not valid JSON',
  failedAt: '2026-01-31T09:00:00.500Z',
  issues: [],
  source: { topic: 'notifications.incoming', partition: 3, offset: '1207', key: null, timestamp: '1769850000000' },
  rawBase64: Buffer.from('{not json').toString('base64'),
};
const digestLetter = {
  kind: 'digest_failed',
  reason: 'smtp_rejected',
  message: 'refused',
  failedAt: '2026-01-31T09:00:00.500Z',
  digest: {
    digestId: 'email-all|user_42|email|marketing@2026-01-31T09:00:00.000Z',
    eventIds: ['evt-1', 'evt-2'],
    recipientId: 'user_42',
    channel: 'email',
    provider: 'smtp',
    attempts: 5,
    retriable: true,
  },
};

describe('AsyncAPI document', () => {
  it('the checked-in file equals the document generated from the zod contract', () => {
    const checkedIn = readFileSync(path.resolve(__dirname, '../../..', ASYNCAPI_FILE), 'utf8');
    const generated = renderAsyncApiDocument();
    if (checkedIn !== generated) {
      const have = checkedIn.split('\n');
      const want = generated.split('\n');
      const line = Array.from({ length: Math.max(have.length, want.length) }, (_, i) => i).find((i) => have[i] !== want[i]) ?? 0;
      throw new Error(
        `${ASYNCAPI_FILE} is out of date with src/contract; run \`npm run schema:write\` and commit the file.\n` +
          `First difference at line ${line + 1}: file has ${JSON.stringify(have[line])}, contract gives ${JSON.stringify(want[line])}`,
      );
    }
  });

  it("is AsyncAPI 3.0.0 with herald's version, JSON by default, and the local Kafka server", () => {
    expect(doc).toMatchObject({ asyncapi: '3.0.0', info: { title: 'herald', version: packageJson.version }, defaultContentType: 'application/json' });
    expect(doc.servers.local).toMatchObject({ host: '127.0.0.1:9092', protocol: 'kafka' });
  });

  it("names the config's default topics, the bulk lane as a channel producers may send its priorities to", () => {
    expect(DEFAULT_TOPICS).toEqual(configSchema.parse({}).kafka.topics);
    const addresses = Object.values<any>(doc.channels).map((c) => c.address);
    expect(addresses.sort()).toEqual([DEFAULT_TOPICS.bulk, DEFAULT_TOPICS.dlq, DEFAULT_TOPICS.incoming, DEFAULT_TOPICS.status].sort());
    expect(doc.info.description).toContain(`${DEFAULT_TOPICS.bulk} is the bulk lane`);
    expect(doc.channels.bulk.messages.NotificationEvent).toEqual(doc.channels.incoming.messages.NotificationEvent);
    expect(doc.operations.sendBulkNotificationEvent).toMatchObject({ action: 'send', channel: { $ref: '#/channels/bulk' } });
    const custom = { incoming: 'a.in', status: 'a.status', dlq: 'a.dlq', bulk: 'a.bulk' };
    const other: Json = buildAsyncApiDocument({ version: '9.9.9', topics: custom });
    expect([other.channels.incoming.address, other.channels.bulk.address, other.channels.status.address, other.channels.dlq.address]).toEqual([
      'a.in',
      'a.bulk',
      'a.status',
      'a.dlq',
    ]);
  });

  it('gives every channel an address and messages, and every message headers, a payload and its Kafka key', () => {
    for (const [name, channel] of Object.entries<any>(doc.channels)) {
      expect({ name, address: typeof channel.address, messages: Object.keys(channel.messages ?? {}).length > 0 }).toEqual({
        name,
        address: 'string',
        messages: true,
      });
    }
    for (const message of Object.values<any>(doc.components.messages)) {
      expect(Object.keys(message)).toEqual(expect.arrayContaining(['headers', 'payload', 'bindings', 'examples']));
      expect(message.bindings.kafka.key).toMatchObject({ description: expect.any(String) });
    }
    expect(doc.components.messages.NotificationEvent.bindings.kafka.key.examples).toEqual([messageKey(event)]);
    expect(doc.components.messages.StatusChange.bindings.kafka.key.examples).toEqual([ASYNCAPI_EXAMPLES.statusChange.payload.eventId]);
  });

  it("resolves every $ref inside the document, and each operation sends or receives its own channel's messages", () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(10);
    expect(refs.filter((r) => resolve(r.ref) === undefined)).toEqual([]);
    expect(resolve('#/channels/nowhere')).toBeUndefined();
    for (const [name, op] of Object.entries<any>(doc.operations)) {
      expect({ name, action: ['send', 'receive'].includes(op.action) }).toEqual({ name, action: true });
      for (const m of op.messages) expect(m.$ref.startsWith(`${op.channel.$ref}/messages/`)).toBe(true);
    }
    const actions = Object.values<any>(doc.operations).map((op) => `${op.action} ${op.channel.$ref} ${op.tags[0].name}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'send #/channels/incoming producers',
        'send #/channels/status herald',
        'send #/channels/dlq herald',
        'receive #/channels/status consumers',
        'receive #/channels/dlq consumers',
      ]),
    );
  });

  it("publishes JSON Schemas whose properties and required keys are the zod schemas' own", () => {
    const pairs: [Json, z.ZodObject][] = [
      [schemas.StatusChange, statusMessageSchema],
      [schemas.NotificationEventHeaders, incomingHeadersSchema],
      [schemas.StatusChangeHeaders, statusHeadersSchema],
      [schemas.DeadLetterHeaders, deadLetterHeadersSchema],
      ...deadLetterSchema.options.map((o, i): [Json, z.ZodObject] => [schemas.DeadLetter.oneOf[i], o]),
    ];
    for (const [json, zod] of pairs) {
      const { properties, required } = shapeOf(zod);
      expect({ properties: Object.keys(json.properties), required: json.required ?? [] }).toEqual({ properties, required });
    }
    expect(schemas.NotificationEventHeaders.required).toBeUndefined();
    expect(schemas.NotificationEventHeaders.properties['herald-replay'].description).toMatch(
      /^Refused: producers must not set it.*dead-lettered with reason `replay_refused`/,
    );
  });

  it('uses only keywords draft-07 shares with draft 2020-12, so AsyncAPI tools read the schemas', () => {
    const text = JSON.stringify(doc.components.schemas);
    for (const keyword of [
      '$defs',
      'definitions',
      'prefixItems',
      'unevaluatedProperties',
      'unevaluatedItems',
      'dependentRequired',
      'dependentSchemas',
      '$dynamicRef',
      '$anchor',
      '$schema',
    ]) {
      expect({ keyword, used: text.includes(`"${keyword}"`) }).toEqual({ keyword, used: false });
    }
  });

  it('accepts real messages, each valid under zod, with the published payload and header schemas', () => {
    const cases: [Json, Json, () => boolean][] = [
      [schemas.NotificationEvent, ASYNCAPI_EXAMPLES.notificationEvent.payload, () => parseEventObject(event).ok],
      [schemas.NotificationEvent, v2Event(), () => parseEventObject(v2Event()).ok],
      [schemas.NotificationEvent, v1Event(), () => parseEventObject(v1Event()).ok],
      [schemas.StatusChange, ASYNCAPI_EXAMPLES.statusChange.payload, () => statusMessageSchema.safeParse(ASYNCAPI_EXAMPLES.statusChange.payload).success],
      [schemas.StatusChange, deferred, () => statusMessageSchema.safeParse(deferred).success],
      ...[ASYNCAPI_EXAMPLES.deadLetter.payload, invalidLetter, digestLetter].map((l): [Json, Json, () => boolean] => [
        schemas.DeadLetter,
        l,
        () => deadLetterSchema.safeParse(l).success,
      ]),
      [
        schemas.NotificationEventHeaders,
        ASYNCAPI_EXAMPLES.notificationEvent.headers,
        () => incomingHeadersSchema.safeParse(ASYNCAPI_EXAMPLES.notificationEvent.headers).success,
      ],
      [
        schemas.StatusChangeHeaders,
        ASYNCAPI_EXAMPLES.statusChange.headers,
        () => statusHeadersSchema.safeParse(ASYNCAPI_EXAMPLES.statusChange.headers).success,
      ],
      [schemas.DeadLetterHeaders, ASYNCAPI_EXAMPLES.deadLetter.headers, () => deadLetterHeadersSchema.safeParse(ASYNCAPI_EXAMPLES.deadLetter.headers).success],
    ];
    const traced = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'congo=t61rcWkgMzE' };
    cases.push([schemas.NotificationEventHeaders, traced, () => incomingHeadersSchema.safeParse(traced).success]);
    const dlqHeaders = {
      'herald-dlq-kind': 'invalid_event',
      'herald-dlq-reason': 'malformed_json',
      'herald-source-topic': 'notifications.incoming',
      'herald-source-partition': '3',
      'herald-source-offset': '1207',
    };
    cases.push([schemas.DeadLetterHeaders, dlqHeaders, () => deadLetterHeadersSchema.safeParse(dlqHeaders).success]);
    for (const [schema, sample, zodAccepts] of cases) {
      expect(zodAccepts()).toBe(true);
      expect(problems(schema, sample)).toEqual([]);
    }
    for (const example of Object.values<any>(doc.components.messages).flatMap((m) => m.examples.map((e: Json) => [resolve(m.payload.$ref), e.payload]))) {
      expect(problems(example[0], example[1])).toEqual([]);
    }
  });

  it('rejects, like zod, messages that break the contract', () => {
    const { recipients: _r, ...noRecipients } = event;
    const cases: [Json, Json, () => boolean, string][] = [
      [schemas.NotificationEvent, noRecipients, () => parseEventObject(noRecipients).ok, 'recipients'],
      [schemas.NotificationEvent, { ...event, version: 3 }, () => parseEventObject({ ...event, version: 3 }).ok, 'oneOf'],
      [schemas.NotificationEvent, v1Event({ template: 'x' }), () => parseEventObject(v1Event({ template: 'x' })).ok, 'oneOf'],
      [schemas.StatusChange, { ...deferred, status: 'lost' }, () => statusMessageSchema.safeParse({ ...deferred, status: 'lost' }).success, 'lost'],
      [schemas.StatusChange, { ...deferred, at: 'yesterday' }, () => statusMessageSchema.safeParse({ ...deferred, at: 'yesterday' }).success, 'at'],
      [schemas.DeadLetter, { ...invalidLetter, kind: 'other' }, () => deadLetterSchema.safeParse({ ...invalidLetter, kind: 'other' }).success, 'oneOf'],
      [schemas.StatusChangeHeaders, { 'herald-status': 'sent' }, () => statusHeadersSchema.safeParse({ 'herald-status': 'sent' }).success, 'herald-channel'],
      [schemas.NotificationEventHeaders, { traceparent: 'abc' }, () => incomingHeadersSchema.safeParse({ traceparent: 'abc' }).success, 'traceparent'],
    ];
    for (const [schema, sample, zodAccepts, where] of cases) {
      expect(zodAccepts()).toBe(false);
      expect(problems(schema, sample).join('\n')).toContain(where);
    }
  });
});
