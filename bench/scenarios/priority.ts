import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import { calibrate, logged, rawRun } from '../adaptive';
import { HeraldProducer } from '../../src/client/herald-producer';
import type { BenchContext } from '../context';
import { BENCH_TEMPLATE, BOTH_CHANNELS, benchEvent, benchPayload, toMessage } from '../events';
import { produceAll, startSteadyLoad } from '../produce';
import { BenchFailure, figure, type ScenarioResult } from '../results';
import { openStage, withClose, type Stage } from '../stage';
import { percentile, round } from '../stats';
import { userIds } from '../users';
import { deliverEvents, timeoutFor } from './deliver-run';
import { singleRecipientEvents } from './throughput';

/** Critical events per second during a measuring window. */
const CRITICAL_RATE = 20;
/** How long the flood runs before the critical window opens, so the lanes are already loaded, ms. */
const FLOOD_LEAD_MS = 2_000;
/** Targets: p99 under flood at most this many times idle, and at most this many ms. */
export const FLOOD_RATIO_TARGET = 2;
export const FLOOD_P99_TARGET_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Latencies of one critical window, ms: producer `createdAt` → in-app push time. */
interface CriticalWindow {
  latencies: number[];
  p50: number;
  p99: number;
  max: number;
}

/**
 * Publishes critical in-app events at CRITICAL_RATE for `seconds` with the real client
 * (HeraldProducer; `createdAt` set at send time), round the VIP users, then reads each delivery's
 * push time from the in-app provider's delivered set (ZSCORE of `eventId|userId|in_app`).
 */
async function criticalWindow(stage: Stage, herald: HeraldProducer, vips: readonly string[], seconds: number): Promise<CriticalWindow> {
  const count = Math.ceil(CRITICAL_RATE * seconds);
  const sent: { userId: string; deliveryId: string; createdAt: number }[] = [];
  const publishes: Promise<unknown>[] = [];
  const startedAt = Date.now();
  for (let i = 0; i < count; i++) {
    await sleep(Math.max(0, startedAt + (i * 1000) / CRITICAL_RATE - Date.now()));
    const userId = vips[i % vips.length]!;
    const id = randomUUID();
    const createdAt = new Date();
    sent.push({ userId, deliveryId: `${id}|${userId}|in_app`, createdAt: createdAt.getTime() });
    publishes.push(
      herald.publish({
        id,
        createdAt: createdAt.toISOString(),
        type: 'alert',
        priority: 'critical',
        template: BENCH_TEMPLATE,
        recipients: [userId],
        channels: ['in_app'],
        payload: benchPayload(i),
      }),
    );
  }
  await Promise.all(publishes);
  const deadline = Date.now() + 60_000;
  for (;;) {
    stage.worker.assertAlive();
    const pushed = await stage.inbox.pushTimes(sent);
    const missing = pushed.filter((t) => t === null).length;
    if (missing === 0) {
      const latencies = pushed.map((t, i) => (t as number) - sent[i]!.createdAt);
      return { latencies, p50: percentile(latencies, 50)!, p99: percentile(latencies, 99)!, max: Math.max(...latencies) };
    }
    if (Date.now() > deadline)
      throw new BenchFailure(
        `timed out waiting for critical in-app deliveries: ${missing} of ${sent.length} not pushed 60 s after the last was sent; ` +
          `worker log ${stage.worker.logFile}`,
      );
    await sleep(100);
  }
}

/** `count` flood events from index `first`: normal and low alternately, one recipient each, in_app + email. */
function* floodEvents(users: readonly string[], count: number, first: number): Generator<Message> {
  for (let i = first; i < first + count; i++) {
    yield toMessage(benchEvent({ priority: i % 2 === 0 ? 'normal' : 'low', recipients: [users[i % users.length]!], channels: BOTH_CHANNELS, seq: i }));
  }
}

/** One repeat: a critical window on an idle worker, then one while a flood runs at `floodRate` events/s. */
async function repeatOnce(stage: Stage, herald: HeraldProducer, users: readonly string[], vips: readonly string[], floodRate: number, seconds: number) {
  const idle = await criticalWindow(stage, herald, vips, seconds);
  const base = await stage.counts();
  const floodStartedAt = Date.now();
  const flood = startSteadyLoad(floodRate, (count, first) => produceAll(stage.producer, stage.topics.incoming, floodEvents(users, count, first)));
  let underFlood: CriticalWindow;
  let floodTotal: number;
  try {
    await sleep(FLOOD_LEAD_MS);
    underFlood = await criticalWindow(stage, herald, vips, seconds);
  } finally {
    floodTotal = await flood.stop();
  }
  const floodSeconds = (Date.now() - floodStartedAt) / 1000;
  // The flood drains before the next repeat, so its idle window is idle.
  const drainFrom = Date.now();
  await stage.waitFor(
    { email: base.email + floodTotal, inApp: base.inApp + floodTotal },
    timeoutFor(floodTotal, floodRate),
    `the flood's ${floodTotal} events to drain`,
  );
  return { idle, underFlood, floodEvents: floodTotal, floodRate: floodTotal / floodSeconds, drainMs: Date.now() - drainFrom };
}

/**
 * Scenario 4: critical events' end-to-end latency (producer timestamp → in-app provider accepted)
 * p50/p99 on an idle worker and while normal/low events flood it at half the throughput measured
 * by scenario 2 in this run (or, without it, by a calibration here), and the ratio p99 flood/idle.
 */
export async function runPriority(ctx: BenchContext, throughputEventsPerSecond: number | null): Promise<ScenarioResult> {
  const { repeats, seconds } = ctx.options;
  const users = userIds('u', 1000);
  const vips = userIds('vip', 20);
  const stage = await openStage(ctx, 'priority', [...users, ...vips]);
  const herald = new HeraldProducer({ kafka: ctx.kafka, topic: stage.topics.incoming });
  const notes: string[] = [];
  const runs: Record<string, unknown>[] = [];
  const results = await withClose(stage, async () => {
    await herald.connect();
    try {
      let throughput = throughputEventsPerSecond;
      if (!throughput) {
        const seq = { next: 0 };
        const warm = await calibrate(
          logged(ctx.log, 'priority, throughput calibration', (n) =>
            deliverEvents(stage, n, singleRecipientEvents(users, n, seq), { email: n, inApp: n }, { timeoutMs: 180_000, what: `${n} calibration events` }),
          ),
          200,
          3_000,
        );
        throughput = warm.rate;
        notes.push(`throughput did not run in this bench run: the flood rate is half of ${round(throughput)} events/s calibrated on this worker`);
        runs.push(...warm.runs.map((r) => rawRun('throughput calibration', { ...r })));
      }
      const floodRate = throughput / 2;
      const out = [];
      for (let r = 0; r < repeats; r++) {
        const one = await repeatOnce(stage, herald, users, vips, floodRate, seconds);
        ctx.log(
          `priority: repeat ${r + 1}: p50/p99 idle ${one.idle.p50}/${one.idle.p99} ms, under a flood of ${round(one.floodRate)} events/s ` +
            `${one.underFlood.p50}/${one.underFlood.p99} ms; flood drained in ${round(one.drainMs / 1000)} s`,
        );
        out.push(one);
      }
      return { out, floodRate };
    } finally {
      await herald.disconnect();
    }
  });

  for (const [i, r] of results.out.entries()) {
    runs.push({
      kind: 'timed',
      repeat: i + 1,
      criticalPerWindow: r.idle.latencies.length,
      idle: { p50: r.idle.p50, p99: r.idle.p99, max: r.idle.max },
      flood: { p50: r.underFlood.p50, p99: r.underFlood.p99, max: r.underFlood.max },
      floodTargetRate: round(results.floodRate),
      floodAchievedRate: round(r.floodRate),
      floodEvents: r.floodEvents,
      floodDrainMs: r.drainMs,
    });
  }
  const ratios = results.out.map((r) => r.underFlood.p99 / Math.max(1, r.idle.p99));
  notes.push(
    `flood: ${round(results.floodRate)} events/s of normal/low (in_app + email) for ${ctx.options.seconds + FLOOD_LEAD_MS / 1000} s per repeat; critical: ` +
      `${CRITICAL_RATE}/s in-app only, ${Math.ceil(CRITICAL_RATE * seconds)} per window`,
  );
  return {
    scenario: 'priority',
    figures: [
      figure(
        'critical p50 idle',
        'ms',
        results.out.map((r) => r.idle.p50),
        { digits: 0 },
      ),
      figure(
        'critical p99 idle',
        'ms',
        results.out.map((r) => r.idle.p99),
        { digits: 0 },
      ),
      figure(
        'critical p50 under flood',
        'ms',
        results.out.map((r) => r.underFlood.p50),
        { digits: 0 },
      ),
      figure(
        'critical p99 under flood',
        'ms',
        results.out.map((r) => r.underFlood.p99),
        { digits: 0, target: { op: '<=', value: FLOOD_P99_TARGET_MS } },
      ),
      figure('critical p99 ratio flood/idle', '×', ratios, { digits: 2, target: { op: '<=', value: FLOOD_RATIO_TARGET } }),
    ],
    runs,
    notes,
  };
}
