import fc from 'fast-check';
import type { IHeaders, Producer } from 'kafkajs';
import { hostileMessages } from '../../../chaos/hostile';
import { chunkForSend, messageBytes } from '../../../src/intake/triage';
import type { HostileInput } from './hostile-input';
import { PROTOTYPE_NAMES, hostileString } from './strings';

/**
 * What only a Kafka producer controls: headers (`herald-replay`, trace context, many, huge,
 * binary, named like prototype properties), keys, and bytes that are no event at all.
 */

const VALID_TRACEPARENT = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
const TRACEPARENTS = [
  `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`,
  `ff-${'f'.repeat(32)}-${'f'.repeat(16)}-ff`,
  '00-abc',
  '',
  `${VALID_TRACEPARENT}-${'junk'.repeat(1_000)}`,
  'x'.repeat(100_000),
];

type HeaderDraw = { field: string; headers: IHeaders };
const headersNamed = (entries: [string, string | Buffer][]): IHeaders => Object.fromEntries(entries);

/** Headers a producer may set on a valid event. */
export const headerDraws: fc.Arbitrary<HeaderDraw> = fc.oneof(
  fc.constantFrom('', '1', 'true', 'x'.repeat(10_000)).map((v) => ({ field: 'header herald-replay', headers: { 'herald-replay': v } })),
  fc.oneof(fc.constantFrom(...TRACEPARENTS), hostileString()).map((v) => ({ field: 'header traceparent', headers: { traceparent: v } })),
  fc.integer({ min: 1, max: 20_000 }).map((n) => ({ field: 'header tracestate', headers: { traceparent: VALID_TRACEPARENT, tracestate: 'a=b,'.repeat(n) } })),
  fc.integer({ min: 100, max: 30_000 }).map((n) => ({ field: `headers (${n})`, headers: headersNamed(Array.from({ length: n }, (_, i) => [`h${i}`, 'v'])) })),
  fc.constantFrom(...PROTOTYPE_NAMES).map((name) => ({
    field: `header ${name}`,
    headers: headersNamed([
      [name, 'x'],
      ['traceparent', VALID_TRACEPARENT],
    ]),
  })),
  fc
    .array(fc.constantFrom(...TRACEPARENTS.slice(0, 4)), { minLength: 2, maxLength: 50 })
    .map((list) => ({ field: 'header traceparent (repeated)', headers: { traceparent: list } })),
  fc.uint8Array({ maxLength: 512 }).map((b) => ({ field: 'header binary value', headers: { traceparent: Buffer.from(b), 'x-bin': Buffer.from(b) } })),
  hostileString().map((name) => ({ field: 'header hostile name', headers: headersNamed([[name, 'v']]) })),
);

/** Keys a producer may set on a valid event. */
export const keyDraws: fc.Arbitrary<{ field: string; key: Buffer | null }> = fc.oneof(
  fc.constantFrom(null, '', ...PROTOTYPE_NAMES).map((k) => ({ field: `key ${JSON.stringify(k)}`, key: k === null ? null : Buffer.from(k) })),
  fc.uint8Array({ minLength: 1, maxLength: 256 }).map((b) => ({ field: 'key binary', key: Buffer.from(b) })),
  fc.constantFrom(10_000, 60_000).map((n) => ({ field: `key ${n} bytes`, key: Buffer.from('k'.repeat(n)) })),
  hostileString().map((s) => ({ field: 'key hostile string', key: Buffer.from(s) })),
);

/**
 * Record timestamps a producer may set: the broker refuses those over an hour ahead
 * (`log.message.timestamp.after.max.ms`) but takes any in the past, negative and before the Date range included.
 */
export const TIMESTAMPS = ['0', '-1', '-5', '-100000000000000', '-8640000000000001', '-9000000000000000', '1', String(Date.now() + 30 * 60_000)];

/** The chaos run's malformed messages (random bytes, wrong versions, deep and huge JSON, polluted keys), plus a tombstone. */
export function rawInputs(perKind: number, seed: number): HostileInput[] {
  const raw = hostileMessages(perKind, seed).map(({ kind, message }): HostileInput => ({
    field: `raw ${kind}`,
    value: message.value as Buffer,
    key: (message.key as Buffer | null) ?? null,
    mustReject: true,
  }));
  return [...raw, { field: 'raw tombstone', value: null, key: Buffer.from('tombstone'), mustReject: true }];
}

/**
 * Sends every input to `topic`, input i to partition i % `partitions` (so a message's offset is
 * known and its dead letter can be matched by source coordinates), in requests the broker takes.
 * @returns where each input landed, `partition/offset`.
 */
export async function sendPinned(producer: Producer, topic: string, partitions: number, inputs: HostileInput[]): Promise<string[]> {
  const at: string[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const mine = inputs.map((input, i) => ({ input, i })).filter(({ i }) => i % partitions === partition);
    const size = ({ input }: { input: HostileInput }) => messageBytes({ key: input.key ?? null, value: input.value, headers: input.headers });
    for (const chunk of chunkForSend(mine, size, { maxCount: 200, maxBytes: 256 * 1024 })) {
      const messages = chunk.map(({ input }) => ({
        key: input.key ?? null,
        value: input.value,
        headers: input.headers,
        timestamp: input.timestamp,
        partition,
      }));
      const [meta] = await producer.send({ topic, acks: -1, messages });
      chunk.forEach(({ i }, j) => (at[i] = `${partition}/${BigInt(meta!.baseOffset!) + BigInt(j)}`));
    }
  }
  return at;
}
