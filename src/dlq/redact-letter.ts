import { redactText } from '../logger';

/** Prefixes of event recipients that are addresses, not ids. */
const ADDRESS_ENTRY = /^(email|phone|push):.+$/s;

/**
 * A copy of a dead letter (or any JSON) safe to print: recipient entries that are addresses become
 * `email:[redacted]`, and every string has emails, phone numbers and tokens masked as in the logs.
 * `herald dlq show --reveal` prints the original instead.
 */
export function redactLetter<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') {
    const entry = ADDRESS_ENTRY.exec(value);
    return entry ? `${entry[1]}:[redacted]` : redactText(value);
  }
  if (Array.isArray(value)) return value.map(walk);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
  return value;
}
