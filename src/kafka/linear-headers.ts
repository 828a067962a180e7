import type { IHeaders } from 'kafkajs';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's protocol decoders are internal modules without types */
type HeaderEntry = { key: string; value: Buffer | null };
type Reader = (decoder: unknown) => unknown;
interface DecoderPrototype {
  readVarIntArray(this: unknown, reader: Reader): unknown[];
  [PATCHED]?: true;
}

const PATCHED = Symbol.for('herald.linearHeaders');

/** What kafkajs's reduce builds, in one pass: each header's value, or its values in order when it repeats; own properties only. */
function headersOf(entries: readonly HeaderEntry[]): IHeaders {
  const byKey = new Map<string, Buffer | null | (Buffer | null)[]>();
  for (const { key, value } of entries) {
    const seen = byKey.get(key);
    if (!byKey.has(key)) byKey.set(key, value);
    else if (Array.isArray(seen)) seen.push(value);
    else byKey.set(key, [seen ?? null, value]);
  }
  // fromEntries defines own properties: a header named "__proto__" stays a header.
  return Object.fromEntries(byKey) as IHeaders;
}

/**
 * Makes kafkajs decode record headers in linear time, for every client in the process. kafkajs 2.2.4
 * builds a consumed record's headers with an object spread per header
 * (`src/protocol/recordBatch/record/v0/decoder.js`: `readVarIntArray(HeaderDecoder).reduce((obj, h) => ({ ...obj, … }), {})`),
 * so n headers cost n²/2 property copies, in the fetch, before herald sees the message: 3,000
 * headers blocked the event loop for a second, 12,000 (97 KB) for 24 s, a 1 MB message of them most
 * of an hour, and again on every worker the partition moved to. It also read `obj[key]` through the
 * prototype, so a header named `toString` came out as `[Function toString, value]`. kafkajs is no
 * longer maintained: the header array its record decoder reads gets a `reduce` that builds the same
 * object with {@link headersOf} instead. Idempotent.
 * @throws Error when kafkajs's internals are not where this expects them (a kafkajs upgrade): the
 *   protection would otherwise be gone without a word.
 */
export function decodeHeadersLinearly(): void {
  let decoder: { prototype: DecoderPrototype };
  let headerDecoder: Reader;
  try {
    decoder = require('kafkajs/src/protocol/decoder');
    headerDecoder = require('kafkajs/src/protocol/recordBatch/header/v0/decoder');
  } catch (error) {
    throw new Error(
      `kafkajs's record decoder is not where src/kafka/linear-headers.ts expects it (${(error as Error).message}); check whether this kafkajs version still ` +
        `decodes headers in quadratic time and update that file`,
      { cause: error },
    );
  }
  const proto = decoder.prototype;
  if (proto[PATCHED]) return;
  const readVarIntArray = proto.readVarIntArray;
  proto.readVarIntArray = function (reader) {
    const array = readVarIntArray.call(this, reader);
    if (reader === headerDecoder) Object.defineProperty(array, 'reduce', { value: () => headersOf(array as HeaderEntry[]) });
    return array;
  };
  proto[PATCHED] = true;
}
/* eslint-enable @typescript-eslint/no-require-imports */
