import fc from 'fast-check';

/**
 * Hostile strings and JSON fragments, the raw material of every field generator in
 * ./arbitraries.ts and ./http-inputs.ts: long runs of what regexes, bracket balancing and
 * prefix loops trip on, odd unicode, lengths at and past a limit, and names of Object.prototype.
 */

/** Characters that break naive text handling: bidi overrides, lone surrogates, controls, separators, combining marks, emoji. */
export const ODD_CHARACTERS = [
  '\u202e',
  '\u2066',
  '\u200f',
  '\u061c',
  '\ud800',
  '\udfff',
  '\u0000',
  '\u001b',
  '\u009b',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\u0301',
  '\ufffd',
  '🙂',
  '中',
  'é',
  '\u200d',
];

/** Units repeated into long runs. */
const RUN_UNITS = [')', ']', '(', '[', '@', '.', '-ab', '://', '+1', '0', '9', ' @', 'a', '%', '\\', '"', '&amp;', '{{', '\n', ' ', '-', '_'];
/** Prefixes that make a run look like what a parser looks for: a link, a locale, an address, a phone, a token. */
const RUN_PREFIXES = ['', 'http://a/', 'https://x.example/?q=', 'en', 'a@b', 'mailto:', 'phone ', 'Bearer ', 'whsec_'];

/** Names that are properties of Object.prototype, or otherwise special to a JavaScript lookup. */
export const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];

/**
 * The inputs issue 15 found slow (findings 3 to 5): a locale of `-ab` runs, a link followed by
 * closing brackets, and a word run before ` @`, which a backtracking address pattern scans from every start.
 */
export const SLOW_STRINGS = {
  locale: `en${'-ab'.repeat(3000)}`,
  bracketsAfterLink: `http://a/${')'.repeat(30_000)}`,
  wordsBeforeAt: `${'a'.repeat(50_000)} @`,
} as const;

const FIXED = [
  '',
  ' ',
  '\t\n',
  ...PROTOTYPE_NAMES,
  '{{payload.secret}}',
  '{{#each this}}{{this}}{{/each}}',
  '<script>alert(1)</script>',
  'javascript:alert(1)',
  '../../etc/passwd',
  '%00%2e%2e',
  'ada@example.com',
  '+14155550100',
  SLOW_STRINGS.wordsBeforeAt,
];

/** Any code point, lone surrogates and the odd characters above included. */
const hostileUnit = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom(...ODD_CHARACTERS));

/** A prefix, then one unit repeated up to 30,000 times, then an ending that may complete a pattern. */
export const runString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...RUN_PREFIXES), fc.constantFrom(...RUN_UNITS), fc.integer({ min: 1, max: 30_000 }), fc.constantFrom('', '@', 'x', ')', '.com'))
  .map(([prefix, unit, count, end]) => prefix + unit.repeat(count) + end);

/** Short strings of any code points. */
export const unicodeString: fc.Arbitrary<string> = fc.string({ unit: hostileUnit, maxLength: 300 });

/** Strings of length `limit - 1`, `limit`, `limit + 1` and past twice it (UTF-16 units), in ASCII, 3-byte characters, emoji halves and blanks. */
export function aroundLimit(limit: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(limit - 1, limit, limit + 1, 2 * limit + 7), fc.constantFrom('x', '中', '-', ' ', '\u202e'))
    .map(([length, char]) => char.repeat(length));
}

/** Any hostile string; with `limit`, lengths at and past it too. */
export function hostileString(limit?: number): fc.Arbitrary<string> {
  const kinds = [runString, unicodeString, fc.constantFrom(...FIXED)];
  return limit === undefined ? fc.oneof(...kinds) : fc.oneof(...kinds, aroundLimit(limit));
}

/**
 * JSON text that is not a string where a string belongs. `1e999` parses to Infinity and `-0` to
 * negative zero; `NaN`, `Infinity` and `undefined` are not JSON at all (the message is malformed).
 */
export const NON_STRING_FRAGMENTS = [
  'null',
  'true',
  '0',
  '-0',
  '1e308',
  '1e999',
  '-1e999',
  '2.5',
  '[]',
  '{}',
  '["x"]',
  '{"__proto__":1}',
  'NaN',
  'Infinity',
  'undefined',
];

/** Raw JSON text of a value that is not a string, with its claim: refused wherever a string is required. */
export const nonString = fc.constantFrom(...NON_STRING_FRAGMENTS);

/** Whether `s` is 1 to `max` characters once trimmed, the contract's rule for ids and names. */
export function fitsTrimmed(s: string, max: number): boolean {
  const trimmed = s.trim();
  return trimmed.length >= 1 && trimmed.length <= max;
}
