import type { Message } from 'kafkajs';
import { calibrate, logged, rateOf, rawRun, sizeFor, timedRepeats } from '../adaptive';
import type { BenchContext } from '../context';
import { BOTH_CHANNELS, benchEvent, toMessage } from '../events';
import { figure, type Figure, type ScenarioResult } from '../results';
import { openStage, withClose, type Program } from '../stage';
import { userIds } from '../users';
import { deliverEvents, runNotes, timeoutFor, type DeliveryRun } from './deliver-run';
import { singleRecipientEvents } from './throughput';
import { peakRssFigure } from './worker-peak-rss';

const AUDIENCE = 1000;

/** `n` normal-priority events each to all `users` on in_app + email (keyed by event id, as the client keys multi-recipient events). */
function* audienceEvents(users: string[], n: number, seq: { next: number }): Generator<Message> {
  for (let i = 0; i < n; i++) yield toMessage(benchEvent({ priority: 'normal', recipients: users, channels: BOTH_CHANNELS, seq: seq.next++ }));
}

interface Shape {
  /** Stage name and figure label. */
  name: string;
  label: string;
  /** Events per unit of work: 1 event to 1,000, or 1,000 events to one each. */
  unit: number;
  /** Deliveries per event. */
  perEvent: number;
  events: (users: string[], n: number, seq: { next: number }) => Generator<Message>;
}

/** The figure of a shape's deliveries/s, as the floor scenario looks it up. */
export const shapeFigure = (label: string): string => `${label}: deliveries/s`;

/** Figure labels of the two shapes. */
export const ONE_TO_1000 = '1 event → 1,000 recipients';
export const THOUSAND_TO_ONE = '1,000 events → 1 recipient each';

const SHAPES: Shape[] = [
  { name: 'fanout-one-to-1000', label: ONE_TO_1000, unit: 1, perEvent: 2 * AUDIENCE, events: audienceEvents },
  {
    name: 'fanout-1000-to-one',
    label: THOUSAND_TO_ONE,
    unit: AUDIENCE,
    perEvent: 2,
    events: (users, n, seq) => singleRecipientEvents(users, n, seq),
  },
];

async function runShape(ctx: BenchContext, shape: Shape, program: Program): Promise<{ figures: Figure[]; runs: Record<string, unknown>[]; notes: string[] }> {
  const { repeats, seconds } = ctx.options;
  const users = userIds('u', AUDIENCE);
  const stageName = program === 'floor' ? `floor-${shape.name}` : shape.name;
  const stage = await openStage(ctx, stageName, users, program);
  const seq = { next: 0 };
  let rate: number | null = null;
  // A unit (one event to 1,000, or 1,000 events to one each) is produced and waited for before the
  // next, so units never overlap; a run's duration is the sum of its units' (produce → last delivery).
  const run = logged(ctx.log, stageName, async (n: number) => {
    const units: DeliveryRun[] = [];
    const deliveries = (shape.unit * shape.perEvent) / 2;
    for (let done = 0; done < n; done += shape.unit) {
      const options = { timeoutMs: timeoutFor(shape.unit, rate), what: `${shape.label} (${units.length + 1}. unit)`, keepPeak: done > 0 };
      units.push(await deliverEvents(stage, shape.unit, shape.events(users, shape.unit, seq), { email: deliveries, inApp: deliveries }, options));
    }
    const last = units.at(-1)!;
    const sum = (pick: (u: DeliveryRun) => number) => units.reduce((total, u) => total + pick(u), 0);
    return {
      ...last,
      n,
      durationMs: sum((u) => u.durationMs),
      deliveries: sum((u) => u.deliveries),
      produceMs: sum((u) => u.produceMs),
      workerCpuMs: units.some((u) => u.workerCpuMs === null) ? null : sum((u) => u.workerCpuMs!),
      extraEmails: sum((u) => u.extraEmails),
      units: units.length,
    };
  });
  const { warm, timed } = await withClose(stage, async () => {
    const warm = await calibrate(run, shape.unit, 3_000, shape.unit);
    rate = warm.rate;
    return { warm, timed: await timedRepeats({ repeats, seconds, n: sizeFor(warm.rate, seconds, shape.unit), unit: shape.unit, run }) };
  });
  const runs = (kind: string, list: DeliveryRun[]) => list.map((r) => rawRun(`${stageName} ${kind}`, { ...r }));
  return {
    figures: [
      figure(
        shapeFigure(shape.label),
        'deliveries/s',
        timed.kept.map((r) => rateOf(r) * shape.perEvent),
      ),
      peakRssFigure(
        `${shape.label}: worker peak RSS`,
        timed.kept.map((r) => r.peakRssMb),
      ),
    ],
    runs: [...runs('calibration', warm.runs), ...runs('discarded (too short)', timed.discarded), ...runs('timed', timed.kept)],
    notes: runNotes(shape.label, timed.kept, seconds),
  };
}

/**
 * Scenario 3: one event to 1,000 recipients, and 1,000 events to one recipient each, all on
 * in_app + email (2,000 deliveries either way); deliveries/s and the worker's peak RSS, each shape
 * on a fresh worker. A repeat runs such units one after the other until it lasts the minimum.
 * With `program` 'floor', the same shapes with the floor in place of herald (./floor.ts).
 */
export async function runFanOut(ctx: BenchContext, program: Program = 'herald'): Promise<ScenarioResult> {
  const result: ScenarioResult = { scenario: program === 'floor' ? 'floor-fan-out' : 'fan-out', figures: [], runs: [], notes: [] };
  for (const shape of SHAPES) {
    let part: Awaited<ReturnType<typeof runShape>>;
    try {
      part = await runShape(ctx, shape, program);
    } catch (error) {
      // One shape failing (a timeout, a crash) still lets the other be measured on its own worker.
      result.error = [result.error, `${shape.label}: ${error instanceof Error ? error.message : String(error)}`].filter(Boolean).join('\n');
      continue;
    }
    result.figures.push(...part.figures);
    result.runs.push(...part.runs);
    result.notes.push(...part.notes);
  }
  return result;
}
