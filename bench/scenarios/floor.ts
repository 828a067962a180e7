import type { BenchContext } from '../context';
import { derivedFigure, valueOf, type Figure, type ScenarioResult } from '../results';
import { ONE_TO_1000, THOUSAND_TO_ONE, runFanOut, shapeFigure } from './fan-out';
import { CPU_PER_EVENT, runThroughput } from './throughput';

/** Target of herald ÷ floor, throughput and both fan-out shapes, measured in the same run. */
export const FLOOR_SHARE_TARGET = 0.7;

/** What herald measured earlier in the run (null where its scenario did not run or failed). */
export interface HeraldFigures {
  throughput: ScenarioResult | undefined;
  fanOut: ScenarioResult | undefined;
}

/** herald ÷ floor, or null when either is missing. */
export function shareOf(herald: number | null, floor: number | null): number | null {
  return herald === null || floor === null || floor <= 0 ? null : herald / floor;
}

/**
 * Scenario: the floor (bench/floor/floor.ts), the minimal pipeline of herald's own libraries doing
 * the same external work, measured exactly as herald is (the throughput run and both fan-out shapes,
 * same events, users, partitions, SMTP sink and in-app counting), then herald ÷ floor for each, and
 * herald's worker CPU per event ÷ the floor's.
 */
export async function runFloor(ctx: BenchContext, herald: HeraldFigures): Promise<ScenarioResult> {
  const throughput = await runThroughput(ctx, null, 'floor');
  const fanOut = await runFanOut(ctx, 'floor');
  const ratio = (name: string, result: ScenarioResult | undefined, floor: ScenarioResult, figure: string): Figure =>
    derivedFigure(name, '', shareOf(valueOf(result, figure), valueOf(floor, figure)), { op: '>=', value: FLOOR_SHARE_TARGET });
  const floorOf = (f: Figure): Figure => ({ ...f, name: `floor ${f.name}`, target: undefined, pass: null });
  const missing = [
    ...(herald.throughput ? [] : ['herald/floor throughput not computed: the throughput scenario did not run (or failed) in this run']),
    ...(herald.fanOut ? [] : ['herald/floor fan-out not computed: the fanout scenario did not run (or failed) in this run']),
  ];
  return {
    scenario: 'floor',
    figures: [
      ...throughput.figures.filter((f) => !f.name.startsWith('ratio')).map(floorOf),
      ...fanOut.figures.map(floorOf),
      ratio('herald/floor throughput', herald.throughput, throughput, 'events/s'),
      // A reference, not a target: how many times the floor's CPU herald spends on an event.
      derivedFigure('herald/floor CPU per event', '', shareOf(valueOf(herald.throughput, CPU_PER_EVENT), valueOf(throughput, CPU_PER_EVENT))),
      ratio('herald/floor fan-out 1 → 1,000', herald.fanOut, fanOut, shapeFigure(ONE_TO_1000)),
      ratio('herald/floor fan-out 1,000 → 1', herald.fanOut, fanOut, shapeFigure(THOUSAND_TO_ONE)),
    ],
    runs: [...throughput.runs, ...fanOut.runs],
    // The floor's throughput run has no ceiling to compare with: its note saying so is not news.
    notes: [...throughput.notes.filter((n) => !n.startsWith('ratio to ceiling')), ...fanOut.notes, ...missing],
    ...(throughput.error || fanOut.error ? { error: [throughput.error, fanOut.error].filter(Boolean).join('\n') } : {}),
  };
}
