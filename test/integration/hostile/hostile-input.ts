import fc from 'fast-check';
import type { IHeaders } from 'kafkajs';
import { escapeControls } from '../../../src/shared/control-chars';
import { withFields, type Draw } from './arbitraries';

/** One hostile input: a Kafka message (value, key, headers) or an HTTP request body, and the field it aims at. */
export interface HostileInput {
  /** What the input aims at, e.g. `locale`, `header traceparent`, `PUT /api/users/:id email`. */
  field: string;
  /** Message value or request body; null is a Kafka tombstone. */
  value: Buffer | null;
  /** True when the contract must refuse it whatever the rest holds (past a limit, wrong type). */
  mustReject: boolean;
  key?: Buffer | null;
  headers?: IHeaders;
  /** The record's timestamp (ms since 1970, as kafkajs takes it), which the producer sets. */
  timestamp?: string;
}

const HEAD = 70;

const headerBytes = (headers: IHeaders | undefined) =>
  Object.entries(headers ?? {}).reduce((sum, [name, v]) => sum + name.length + [v ?? []].flat().reduce((s, x) => s + x.length, 0), 0);

/** Bytes of an input: value, key and headers. */
export function sizeOf(input: Pick<HostileInput, 'value' | 'key' | 'headers'>): number {
  return (input.value?.length ?? 0) + (input.key?.length ?? 0) + headerBytes(input.headers);
}

/** The field, sizes and first characters of an input (controls and bidi written out), for a failure message. */
export function describeInput(input: Pick<HostileInput, 'field' | 'value' | 'key' | 'headers'>): string {
  const size = input.value?.length ?? 0;
  const head = input.value ? escapeControls(input.value.toString('utf8', 0, HEAD)) : '(tombstone)';
  const extras = [
    input.key ? `key ${input.key.length} bytes` : '',
    input.headers ? `${Object.keys(input.headers).length} headers, ${headerBytes(input.headers)} bytes` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${input.field} [${size} bytes${extras ? `, ${extras}` : ''}] ${head}${size > HEAD ? '…' : ''}`;
}

/**
 * `count` events aiming at `field`, drawn from `arbitrary` with `seed` (the same seed draws the same
 * inputs, so a failure is reproduced by running the suite with it): each is `base(i)` with the draw applied.
 */
export function sampleEvents(
  arbitrary: fc.Arbitrary<Draw>,
  field: string,
  count: number,
  seed: number,
  base: (i: number) => Record<string, unknown>,
): HostileInput[] {
  return fc
    .sample(arbitrary, { numRuns: count, seed })
    .map((d, i) => ({ field: d.field ?? field, value: Buffer.from(withFields(base(i), d.set)), mustReject: d.mustReject }));
}
