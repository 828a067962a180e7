import type { Message } from 'kafkajs';
import { calibrate, logged, rateOf, rawRun, sizeFor, timedRepeats, type Timed } from '../adaptive';
import type { BenchContext } from '../context';
import { BOTH_CHANNELS, benchEvent, toMessage } from '../events';
import { derivedFigure, figure, type ScenarioResult } from '../results';
import { openStage, withClose, type Stage } from '../stage';
import { median } from '../stats';
import { userIds } from '../users';
import { deliverEvents, runNotes, timeoutFor, type DeliveryRun } from './deliver-run';
import { singleRecipientEvents } from './throughput';
import { peakRssFigure } from './worker-peak-rss';

/** `n` messages carrying n/2 events, each sent twice in a row: the second copy is the same message (same id) again. */
function* duplicatedEvents(users: readonly string[], n: number, seq: { next: number }): Generator<Message> {
  for (let i = 0; i < n / 2; i++) {
    const s = seq.next++;
    const message = toMessage(benchEvent({ priority: 'normal', recipients: [users[s % users.length]!], channels: BOTH_CHANNELS, seq: s }));
    yield message;
    yield { ...message };
  }
}

/** Messages the worker dropped as duplicates so far (its own metric: deliveries of a dropped copy never reach a sink). */
const duplicatesSeen = (stage: Stage) => stage.metric('herald_events_consumed_total', ['outcome="duplicate"']);

/** N messages, half of them duplicates: done when the n/2 events' deliveries arrived and the worker reported n/2 duplicates dropped. */
async function duplicateRun(
  stage: Stage,
  users: readonly string[],
  n: number,
  seq: { next: number },
  rate: number | null,
): Promise<DeliveryRun & { duplicatesDropped: number }> {
  const before = await duplicatesSeen(stage);
  const also = async () => (await duplicatesSeen(stage)) >= before + n / 2;
  const run = await deliverEvents(
    stage,
    n,
    duplicatedEvents(users, n, seq),
    { email: n / 2, inApp: n / 2 },
    { timeoutMs: timeoutFor(n, rate), what: `${n} messages (half duplicates)`, also },
  );
  return { ...run, duplicatesDropped: (await duplicatesSeen(stage)) - before };
}

/** The larger of two peaks, or null when neither could be read. */
const maxOrNull = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

type Pair = Timed & { unique: DeliveryRun; duplicated: DeliveryRun & { duplicatesDropped: number } };

/**
 * Scenario 5: messages/s with N unique events vs N messages of which half are exact duplicates
 * (an event re-sent with the same id), on one worker, both with the same N; and their ratio.
 */
export async function runDedup(ctx: BenchContext): Promise<ScenarioResult> {
  const { repeats, seconds } = ctx.options;
  const users = userIds('u', 1000);
  const stage = await openStage(ctx, 'dedup', users);
  const seq = { next: 0 };
  let rate: number | null = null;
  const unique = logged(ctx.log, 'dedup, no duplicates', (n: number) =>
    deliverEvents(stage, n, singleRecipientEvents(users, n, seq), { email: n, inApp: n }, { timeoutMs: timeoutFor(n, rate), what: `${n} unique events` }),
  );
  const duplicated = logged(ctx.log, 'dedup, 50% duplicates', (n: number) => duplicateRun(stage, users, n, seq, rate));
  // A pair's duration is its shorter half's, so N grows until both halves last the minimum.
  const pair = async (n: number): Promise<Pair> => {
    const u = await unique(n);
    const d = await duplicated(n);
    return { n, durationMs: Math.min(u.durationMs, d.durationMs), unique: u, duplicated: d };
  };
  const { warmUnique, warmDup, timed } = await withClose(stage, async () => {
    const warmUnique = await calibrate(unique, 200, 3_000);
    rate = warmUnique.rate;
    const warmDup = await calibrate(duplicated, 200, 3_000, 2);
    const n = sizeFor(Math.max(warmUnique.rate, warmDup.rate), seconds, 2);
    return { warmUnique, warmDup, timed: await timedRepeats({ repeats, seconds, n, unit: 2, run: pair }) };
  });

  const uniqueRates = timed.kept.map((p) => rateOf(p.unique));
  const dupRates = timed.kept.map((p) => rateOf(p.duplicated));
  const uniqueMedian = median(uniqueRates);
  const dupMedian = median(dupRates);
  const wrongDrops = timed.kept.filter((p) => p.duplicated.duplicatesDropped !== p.n / 2);
  const rows = (kind: string, list: Pair[]) =>
    list.flatMap((p) => [rawRun(`${kind} unique`, { ...p.unique }), rawRun(`${kind} 50% duplicates`, { ...p.duplicated })]);
  return {
    scenario: 'dedup',
    figures: [
      figure('no duplicates: messages/s', 'msg/s', uniqueRates),
      figure('50% duplicates: messages/s', 'msg/s', dupRates),
      derivedFigure('ratio 50% duplicates / none', '', uniqueMedian && dupMedian !== null ? dupMedian / uniqueMedian : null),
      // Each half of a pair resets the peak when it starts: the pair's peak is the higher of the two.
      peakRssFigure(
        'worker peak RSS',
        timed.kept.map((p) => maxOrNull(p.unique.peakRssMb, p.duplicated.peakRssMb)),
      ),
    ],
    runs: [
      ...warmUnique.runs.map((r) => rawRun('calibration unique', { ...r })),
      ...warmDup.runs.map((r) => rawRun('calibration 50% duplicates', { ...r })),
      ...rows('discarded (too short)', timed.discarded),
      ...rows('timed', timed.kept),
    ],
    notes: [
      ...runNotes(
        'dedup',
        timed.kept.flatMap((p) => [p.unique, p.duplicated]),
        seconds,
      ),
      ...(wrongDrops.length
        ? [`dedup: the worker reported ${wrongDrops.map((p) => `${p.duplicated.duplicatesDropped} of ${p.n / 2}`).join(', ')} duplicates dropped`]
        : []),
    ],
  };
}
