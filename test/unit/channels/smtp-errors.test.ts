import { withoutAddresses } from '../../../src/channels/smtp-errors';
import { LINEAR_AT_8X, growthAt8x } from '../../support/cost-growth';

describe('withoutAddresses', () => {
  it('replaces each address an SMTP reply quotes, bare or in brackets, and keeps the rest', () => {
    expect(withoutAddresses('550 5.1.1 <bob@example.com>: Recipient address rejected')).toBe('550 5.1.1 <[address]>: Recipient address rejected');
    expect(withoutAddresses('mail to ada@example.com, bob@x.test failed')).toBe('mail to [address], [address] failed');
    expect(withoutAddresses('452 too many recipients (@ is not an address, nor is a@)')).toBe('452 too many recipients (@ is not an address, nor is a@)');
  });

  // Issue 15, finding 5: the reply may quote what a producer sent, and it reaches logs and delivery records.
  it.each([
    ['a run with no @', (n: number) => 'a'.repeat(n)],
    ['a run ending in @', (n: number) => `${'a'.repeat(n)}@`],
    ['a run starting with @', (n: number) => `@${'a'.repeat(n)}`],
  ])('is linear on %s', (_case, input) => {
    expect(growthAt8x(input, withoutAddresses, 2000)).toBeLessThan(LINEAR_AT_8X);
  });
});
