/**
 * Malformed and hostile messages for `notifications.incoming`, generated with fast-check. Every
 * one must end as an `invalid_event` dead letter, and none may crash a worker or stall a partition.
 */
import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { LIMITS } from '../src/contract/limits';
import { parseEvent } from '../src/contract/parse-event';

const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'toString', 'hasOwnProperty'];

/** A valid-looking event, to mutate into an invalid one. */
const baseEvent = (id: string) => ({
  version: 2,
  id,
  type: 'transactional',
  priority: 'critical',
  template: 'chaos-notice',
  payload: { ref: id },
  recipients: ['chaos-u1'],
  channels: ['email'],
  createdAt: new Date().toISOString(),
});

/** JSON text with keys chosen to pollute prototypes, as JSON.parse would hand them over. */
const pollutedJson = fc
  .record({
    id: fc.uuid(),
    key: fc.constantFrom(...POLLUTING_KEYS),
    inner: fc.jsonValue({ maxDepth: 3 }),
    where: fc.constantFrom('top', 'payload', 'recipients'),
  })
  .map(({ id, key, inner, where }) => {
    const event = JSON.stringify(baseEvent(id));
    const polluted = `{"${key}":{"polluted":true,"isAdmin":true,"inner":${JSON.stringify(inner)}}`;
    if (where === 'top') return `${polluted.slice(0, -1)},${event.slice(1)}`;
    // An unknown key inside the payload is allowed by the contract; a polluting one must not reach Object.prototype,
    // so the event is broken elsewhere too (an empty channel list) to keep every hostile message invalid.
    if (where === 'payload') return event.replace('"payload":{', `"payload":${polluted.slice(0, -1)},"x":1,`).replace('"channels":["email"]', '"channels":[]');
    return event.replace('"recipients":["chaos-u1"]', `"recipients":[${polluted}]`);
  });

/** Each kind of hostile message, as raw Kafka value bytes. */
export const hostileArbitraries: Record<string, fc.Arbitrary<Buffer>> = {
  randomBytes: fc.uint8Array({ minLength: 0, maxLength: 2048 }).map((b) => Buffer.from(b)),
  arbitraryJson: fc.jsonValue({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  wrongVersion: fc
    .record({
      id: fc.uuid(),
      version: fc.oneof(
        fc.integer({ min: -5, max: 99 }).filter((v) => v !== 2),
        fc.constantFrom('2', null, 2.5, true, [2]),
      ),
    })
    .map(({ id, version }) => Buffer.from(JSON.stringify({ ...baseEvent(id), version }))),
  // Nesting far deeper than any event: a recursive walk over it would overflow the stack.
  deepJson: fc.integer({ min: 5_000, max: 60_000 }).map((depth) => Buffer.from(`{"id":"deep","payload":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`)),
  // Over the event limit but under the broker's 1 MB message limit, so it reaches the worker.
  hugePayload: fc.integer({ min: LIMITS.maxEventBytes + 1, max: 800 * 1024 }).map((size) => {
    const event = baseEvent('huge');
    return Buffer.from(JSON.stringify({ ...event, payload: { ref: 'huge', blob: 'x'.repeat(size) } }));
  }),
  // Valid JSON whose fields have the wrong types or wrong values.
  wrongFields: fc
    .record({
      id: fc.uuid(),
      field: fc.constantFrom('type', 'priority', 'recipients', 'channels', 'createdAt', 'payload'),
      value: fc.jsonValue({ maxDepth: 2 }),
    })
    .map(({ id, field, value }) =>
      Buffer.from(
        JSON.stringify({
          ...baseEvent(id),
          [field]: field === 'payload' && typeof value === 'object' && value !== null && !Array.isArray(value) ? 'not-an-object' : value,
        }),
      ),
    ),
  prototypePollution: pollutedJson.map((text) => Buffer.from(text)),
};

/**
 * `perKind` messages of every kind (fewer when a draw happens to be a valid event: those are
 * dropped, since they are not hostile), with keys of random bytes or none, each with its kind.
 */
export function hostileMessages(perKind: number, seed: number): { kind: string; message: Message }[] {
  const out: { kind: string; message: Message }[] = [];
  let i = 0;
  for (const [kind, arbitrary] of Object.entries(hostileArbitraries)) {
    const values = fc.sample(arbitrary, { numRuns: perKind, seed: seed + i++ });
    const keys = fc.sample(fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b))), { numRuns: perKind, seed: seed + 1000 + i });
    values.forEach((value, j) => {
      if (!parseEvent(value).ok) out.push({ kind, message: { key: keys[j] ?? null, value } });
    });
  }
  return out;
}
