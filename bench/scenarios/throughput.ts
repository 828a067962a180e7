import type { Message } from 'kafkajs';
import { calibrate, logged, rateOf, rawRun, sizeFor, timedRepeats } from '../adaptive';
import type { BenchContext } from '../context';
import { BOTH_CHANNELS, benchEvent, toMessage } from '../events';
import { derivedFigure, figure, type ScenarioResult } from '../results';
import { openStage, withClose, type Program } from '../stage';
import { median } from '../stats';
import { userIds } from '../users';
import { deliverEvents, runNotes, timeoutFor, type DeliveryRun } from './deliver-run';
import { peakRssFigure } from './worker-peak-rss';

/** The figure of the worker's CPU time per event, as the floor scenario looks it up. */
export const CPU_PER_EVENT = 'worker CPU per event';

/** `n` normal-priority events, one recipient each (round the users), channels in_app + email. */
export function* singleRecipientEvents(users: readonly string[], n: number, seq: { next: number }): Generator<Message> {
  for (let i = 0; i < n; i++) {
    const s = seq.next++;
    yield toMessage(benchEvent({ priority: 'normal', recipients: [users[s % users.length]!], channels: BOTH_CHANNELS, seq: s }));
  }
}

/**
 * Scenario 2: N events (one recipient, in_app + email) from produce to final delivery, counted at
 * the sinks; events/s, deliveries/s, their ratio to the bare-consumer ceiling (a reference line, not
 * a target: no notification service delivers at the speed of a consumer that does nothing), the
 * worker's peak RSS, and its CPU time per event: the cost of an event whatever else competes for the
 * cores. With `program` 'floor', the same run with the floor in place of herald (./floor.ts).
 */
export async function runThroughput(ctx: BenchContext, ceilingEventsPerSecond: number | null, program: Program = 'herald'): Promise<ScenarioResult> {
  const { repeats, seconds } = ctx.options;
  const users = userIds('u', 1000);
  const name = program === 'floor' ? 'floor-throughput' : 'throughput';
  const stage = await openStage(ctx, name, users, program);
  const readyRssMb = stage.worker.rssMb();
  const seq = { next: 0 };
  let rate: number | null = null;
  const run = logged(ctx.log, name, (n: number) =>
    deliverEvents(
      stage,
      n,
      singleRecipientEvents(users, n, seq),
      { email: n, inApp: n },
      { timeoutMs: timeoutFor(n, rate), what: `${n} events (in_app + email)` },
    ),
  );
  const { warm, timed } = await withClose(stage, async () => {
    const warm = await calibrate(run, 200, 3_000);
    rate = warm.rate;
    return { warm, timed: await timedRepeats({ repeats, seconds, n: sizeFor(warm.rate, seconds), run }) };
  });

  const eventsPerSecond = timed.kept.map(rateOf);
  const ceilingShare = ceilingEventsPerSecond ? (median(eventsPerSecond) ?? 0) / ceilingEventsPerSecond : null;
  const runs = (kind: string, list: DeliveryRun[]) => list.map((r) => rawRun(kind, { ...r }));
  return {
    scenario: name,
    figures: [
      figure('events/s', 'events/s', eventsPerSecond),
      figure(
        'deliveries/s',
        'deliveries/s',
        timed.kept.map((r) => (r.deliveries / r.durationMs) * 1000),
      ),
      derivedFigure('ratio to ceiling (reference)', '', ceilingShare, undefined, 4),
      peakRssFigure(
        'worker peak RSS',
        timed.kept.map((r) => r.peakRssMb),
      ),
      figure(
        CPU_PER_EVENT,
        'ms',
        timed.kept.flatMap((r) => (r.workerCpuMs === null ? [] : [r.workerCpuMs / r.n])),
        { digits: 2 },
      ),
    ],
    runs: [...runs('calibration', warm.runs), ...runs('discarded (too short)', timed.discarded), ...runs('timed', timed.kept)],
    notes: [
      ...(ceilingEventsPerSecond ? [] : ['ratio to ceiling not computed: the ceiling scenario did not run (or failed) in this run']),
      ...(readyRssMb ? [`worker RSS once ready, before any event: ${Math.round(readyRssMb)} MB`] : []),
      ...runNotes(name, timed.kept, seconds),
    ],
  };
}
