import type { DeadLetter } from '../contract/dead-letter';
import { redactText } from '../shared/logger';

/** What a masked payload value becomes. */
const HIDDEN = '[redacted]';

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

/** Every value of `value` masked, keys and shape kept. */
function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v)]));
  return value === null ? null : HIDDEN;
}

/**
 * A dead letter as `herald dlq show` prints it without `--reveal`: {@link redactLetter}, and more,
 * since a rejected message can hold anything (a name, an address in a field of any name, a reset
 * link): its raw bytes are left out, only their size shown (`raw: "[redacted: 43 bytes]"`), and a
 * payload, should a delivery letter carry one, has every value masked.
 */
export function redactDeadLetter(letter: DeadLetter): Record<string, unknown> {
  if (letter.kind === 'invalid_event') {
    const { rawBase64, ...rest } = letter;
    return redactLetter({ ...rest, raw: `[redacted: ${letter.rawBytes ?? Buffer.from(rawBase64, 'base64').length} bytes]` });
  }
  // A delivery letter's event is a summary without payload (older letters' extra fields are dropped
  // when read); one that carries a payload all the same, whoever wrote it, has every value masked.
  if (letter.kind === 'delivery_failed' && 'payload' in letter.event) {
    return redactLetter({ ...letter, event: { ...letter.event, payload: mask((letter.event as { payload?: unknown }).payload) } });
  }
  return redactLetter({ ...letter });
}
