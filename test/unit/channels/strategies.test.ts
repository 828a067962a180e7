import { fallbackOrder } from '../../../src/channels/strategies/fallback';
import { STRATEGIES } from '../../../src/channels/strategies';
import { roundRobinOrder } from '../../../src/channels/strategies/round-robin';

describe('provider strategies', () => {
  const providers = ['a', 'b', 'c'] as const;

  it('fallback keeps the configured order whatever the turn, and never mutates its input', () => {
    const input = [...providers];
    expect(fallbackOrder(input)).toEqual(['a', 'b', 'c']);
    expect(STRATEGIES.fallback(input, 7)).toEqual(['a', 'b', 'c']);
    expect(fallbackOrder(input)).not.toBe(input);
  });

  it('round-robin starts each turn at the next provider and keeps the rest, in order, as fallbacks', () => {
    expect([1, 2, 3, 4].map((turn) => roundRobinOrder(providers, turn))).toEqual([
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
    ]);
    expect(STRATEGIES['round-robin'](providers, 2)).toEqual(['c', 'a', 'b']);
  });

  it('round-robin spreads first choices evenly over many turns', () => {
    const firsts = Array.from({ length: 300 }, (_, turn) => roundRobinOrder(providers, turn + 1)[0]);
    expect(['a', 'b', 'c'].map((p) => firsts.filter((f) => f === p).length)).toEqual([100, 100, 100]);
  });

  it('round-robin copes with no providers, one provider and a negative turn', () => {
    expect(roundRobinOrder([], 5)).toEqual([]);
    expect(roundRobinOrder(['only'], 99)).toEqual(['only']);
    expect(roundRobinOrder(providers, -1)).toEqual(['c', 'a', 'b']);
  });
});
