import type { z } from 'zod';
import { eventV1Schema } from './event-v1';
import { eventV2Schema, type EventV2 } from './event-v2';
import { LIMITS } from './limits';
import { pathOfLoneSurrogate } from './lone-surrogates';
import { upcastV1 } from './upcast';

/**
 * Why a message could not become an event; stable codes used in DLQ records and metrics.
 * `replay_refused`: the message carries the `herald-replay` header, which producers may not set
 * (src/contract/vocabulary.ts). `handling_failed`: a valid event whose handling failed the same way
 * `kafka.maxHandlingFailures` times (src/intake/retry-in-place.ts), dead-lettered so its partition moves on.
 */
export type RejectCode =
  'oversize' | 'malformed_json' | 'not_an_object' | 'too_deep' | 'unknown_version' | 'schema_violation' | 'replay_refused' | 'handling_failed';

/** One problem found in an event, with the JSON path where it is. */
export interface ContractIssue {
  path: string;
  message: string;
}

/** The outcome of reading one Kafka message. */
export type ParseResult = { ok: true; event: EventV2; sourceVersion: 1 | 2 } | { ok: false; code: RejectCode; message: string; issues: ContractIssue[] };

const pathOf = (path: PropertyKey[]): string => (path.length ? path.map(String).join('.') : '(root)');

/**
 * Turns zod issues into `{ path, message }` pairs a person can act on. An unknown field is
 * reported at its own path (zod reports it on the enclosing object), one issue per field.
 */
export function toContractIssues(error: z.ZodError): ContractIssue[] {
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ path: pathOf([...i.path, key]), message: `unknown field "${key}"; remove it or check its spelling` }))
      : [{ path: pathOf(i.path), message: i.message }],
  );
}

function reject(code: RejectCode, message: string, issues: ContractIssue[] = []): ParseResult {
  return { ok: false, code, message, issues };
}

/**
 * Whether `value` nests objects and arrays deeper than `max` levels (`value` itself is level 1).
 * Iterative on purpose: JSON.parse accepts tens of thousands of levels, and any recursive walk of
 * them (zod's, JSON.stringify's) throws RangeError: Maximum call stack size exceeded.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Validates an already-decoded value as v1 (no `version`) or v2, upcasting v1. */
export function parseEventObject(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('not_an_object', 'the message is JSON but not an object; send one event object per message');
  }
  if (nestsDeeperThan(value, LIMITS.maxJsonDepth)) {
    return reject(
      'too_deep',
      `the event nests objects or arrays more than ${LIMITS.maxJsonDepth} levels deep; flatten the payload or send a reference to the content`,
    );
  }
  const illFormed = pathOfLoneSurrogate(value);
  if (illFormed !== undefined) {
    return reject('schema_violation', 'the event holds text that is not well-formed Unicode; send every string as well-formed UTF-8', [
      {
        path: illFormed,
        message: 'holds a lone surrogate (a \\ud800-\\udfff escape without its pair), which cannot be stored; remove it or send the whole character',
      },
    ]);
  }
  const version = (value as { version?: unknown }).version;
  if (version === undefined) {
    const v1 = eventV1Schema.safeParse(value);
    if (!v1.success) {
      const hint = ' (it has no "version" field; template, locale, category, sendAt and delay need "version": 2)';
      return reject('schema_violation', `the event does not match schema version 1${hint}`, toContractIssues(v1.error));
    }
    return { ok: true, event: upcastV1(v1.data), sourceVersion: 1 };
  }
  if (version !== 2) {
    return reject('unknown_version', `event version ${JSON.stringify(version)} is not supported; this worker reads versions 1 (no version field) and 2`);
  }
  const v2 = eventV2Schema.safeParse(value);
  if (!v2.success) return reject('schema_violation', 'the event does not match schema version 2', toContractIssues(v2.error));
  return { ok: true, event: v2.data, sourceVersion: 2 };
}

/** Reads the raw bytes of a Kafka message into an event, or says exactly why it cannot. */
export function parseEvent(raw: Buffer | null): ParseResult {
  if (raw === null || raw.length === 0) return reject('malformed_json', 'the message has no value (tombstone or empty); expected a JSON event');
  if (raw.length > LIMITS.maxEventBytes) {
    return reject('oversize', `the message is ${raw.length} bytes; the limit is ${LIMITS.maxEventBytes}. Move large content out of the payload`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return reject('malformed_json', `the message is not valid JSON (${(error as Error).message})`);
  }
  return parseEventObject(value);
}
