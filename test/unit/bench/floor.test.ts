import { parseOptions, SCENARIOS } from '../../../bench/options';
import { derivedFigure } from '../../../bench/results';
import { FLOOR_SHARE_TARGET, shareOf } from '../../../bench/scenarios/floor';

describe('herald ÷ floor', () => {
  it('is herald over the floor, measured in the same run', () => {
    expect(shareOf(300, 600)).toBe(0.5);
  });

  it('is not computed when either side is missing or the floor measured nothing', () => {
    expect(shareOf(null, 600)).toBeNull();
    expect(shareOf(300, null)).toBeNull();
    expect(shareOf(300, 0)).toBeNull();
  });

  it('passes at 0.7 and fails below', () => {
    const target = { op: '>=' as const, value: FLOOR_SHARE_TARGET };
    expect(derivedFigure('herald/floor throughput', '', shareOf(70, 100), target).pass).toBe(true);
    expect(derivedFigure('herald/floor throughput', '', shareOf(69, 100), target).pass).toBe(false);
  });

  it('runs after throughput and fanout, whose figures it divides', () => {
    expect(SCENARIOS.indexOf('floor')).toBeGreaterThan(SCENARIOS.indexOf('fanout'));
    expect(parseOptions(['--only', 'floor,throughput']).only).toEqual(['throughput', 'floor']);
  });
});
