import { redactText } from '../../../src/shared/logger';
import { LINEAR_AT_8X, growthAt8x } from '../../support/cost-growth';

/**
 * Issue 15, finding 5: every rule of redactText on its worst case, the text a producer, an API
 * client or a provider's reply controls (log lines, delivery records, `herald dlq show`).
 * A 50 KB `aaaa… @` took 3.2 s; 100 unknown users with 4,000-character ids took 5.5 s.
 * Each case is [rule, worst case, size at 1×].
 */
const WORST_CASES: [string, (n: number) => string, number][] = [
  ['credentials: a scheme run of word boundaries before ://', (n) => `${'a.'.repeat(n)}a://${'x'.repeat(n)}`, 1000],
  ['credentials: :// then a run of word boundaries', (n) => `a://${'b-'.repeat(n)}`, 1000],
  ['credentials: a scheme run of word boundaries, :// elsewhere', (n) => `${'a.'.repeat(n)} ://`, 1000],
  ['credentials: :// runs', (n) => '://'.repeat(n), 2000],
  ['token parameters: ?token= runs', (n) => '?token='.repeat(n), 2000],
  ['token parameters: a long value', (n) => `&key=${'x'.repeat(n)}`, 4000],
  ['bearer: spaces with no token', (n) => `Bearer${' '.repeat(n)}!`, 4000],
  ['basic: repeated', (n) => 'Basic '.repeat(n), 2000],
  ['whsec_ runs', (n) => 'whsec_'.repeat(n), 2000],
  ['FCM: a long run before :APA9', (n) => `${'a'.repeat(n)}:APA9`, 4000],
  ['email: a-run before " @"', (n) => `${'a'.repeat(n)} @`, 2000],
  ['email: a run after @', (n) => `@${'a'.repeat(n)}`, 2000],
  ['email: dashes after an address', (n) => `x@a${'-'.repeat(n)}`, 2000],
  ['email: local-part runs between @s', (n) => 'a.a@'.repeat(n), 1000],
  ['E.164: + and a digit run', (n) => `+${'1'.repeat(n)}`, 4000],
  ['E.164: +1 runs', (n) => '+1 '.repeat(n), 2000],
  ['labelled number: number 1 runs', (n) => 'number 1 '.repeat(n), 1000],
  ['US number: (555) 555- runs', (n) => '(555) 555-'.repeat(n), 1000],
  ['long tokens: one url-safe run', (n) => 'a'.repeat(n), 8000],
  ['long tokens: dash-separated run', (n) => 'a-'.repeat(n), 4000],
];

describe('redactText cost', () => {
  it.each(WORST_CASES)('%s: linear', (_rule, input, n) => {
    expect(growthAt8x(input, redactText, n)).toBeLessThan(LINEAR_AT_8X);
  });

  it('redacts a 300,000-character run of dashes without overflowing the stack', () => {
    const run = '-'.repeat(300_000);
    expect(redactText(run)).toBe(run);
    expect(redactText(`key ${'Ab1_'.repeat(75_000)}`)).toBe('key [token]');
  });
});

describe('redactText: the linear rules find what the old patterns found', () => {
  it('finds an address right after another, and the domain as before', () => {
    expect(redactText('bob@example.com_alice@x.test')).toBe('[email][email]');
    expect(redactText('a@b.c%d@e.f%g@h.i')).toBe('[email][email][email]');
    expect(redactText('x@b--y@z')).toBe('[email]@z');
    expect(redactText('@ a@ @b a@-b')).toBe('@ a@ @b a@-b');
  });

  it('finds credentials after any scheme starting at a word boundary, and only those', () => {
    expect(redactText('see x.1smtp://u:p@h and 1.smtp://u:p@h')).toBe('see x.1smtp://[credentials]@h and 1.smtp://[credentials]@h');
    expect(redactText('1smtp://u:p@h')).toBe('1smtp://u:[email]');
    expect(redactText('_smtp://u:p@h')).toBe('_smtp://u:[email]');
  });
});
