import { createKafka } from '../../../src/kafka/create-kafka';
import { testLogger } from '../../support/infra';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's record encoder and decoder are internal modules without types */
const encodeRecord: (record: { key: Buffer | null; value: Buffer; headers: Record<string, string | string[]> }) => {
  buffer: Buffer;
} = require('kafkajs/src/protocol/recordBatch/record/v0');
const decodeRecord: (decoder: unknown, context: object) => { headers: Record<string, unknown> } = require('kafkajs/src/protocol/recordBatch/record/v0/decoder');
const Decoder: new (buffer: Buffer) => { readVarInt(): number } = require('kafkajs/src/protocol/decoder');
/* eslint-enable @typescript-eslint/no-require-imports */

/** The headers of one record as a herald consumer gets them: encoded by kafkajs, decoded by kafkajs's record decoder. */
function roundTrip(headers: Record<string, string | string[]>): Record<string, unknown> {
  const decoder = new Decoder(encodeRecord({ key: null, value: Buffer.from('{}'), headers }).buffer);
  decoder.readVarInt(); // the record's length, read by the batch decoder before the record decoder
  return decodeRecord(decoder, { firstOffset: '0', firstTimestamp: '0' }).headers;
}

function msToDecode(count: number): number {
  const headers = Object.fromEntries(Array.from({ length: count }, (_, i) => [`h${i}`, 'v']));
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    roundTrip(headers);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/**
 * kafkajs 2.2.4 built a consumed record's headers with an object spread per header: n headers cost
 * n²/2 copies, so 3,000 headers on one message blocked herald's event loop for a second and 12,000
 * (97 KB) for 24 s, before herald saw the message (found by the hostile-input suite).
 */
describe('record headers, as every Kafka client herald builds decodes them', () => {
  beforeAll(() => void createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'linear-headers-test', logger: testLogger() }));

  it('take time linear in their number: 4 times the headers cost at most 6 times as long', () => {
    const once = msToDecode(2_000);
    const four = msToDecode(8_000);
    expect(four / once).toBeLessThanOrEqual(6);
  });

  it('keep kafkajs’s shape: a repeated header becomes its values in order, and a header named like a prototype property is just a header', () => {
    const headers = roundTrip({ a: ['1', '2'], b: '3', toString: '4', constructor: '5', ['__proto__']: '6' });
    expect(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)])).toEqual([
      ['a', ['1', '2']],
      ['b', '3'],
      ['toString', '4'],
      ['constructor', '5'],
      ['__proto__', '6'],
    ]);
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
  });
});
