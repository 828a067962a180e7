import { calibrate, logged, rawRun } from '../adaptive';
import { HeraldProducer } from '../../src/client/herald-producer';
import type { BenchContext } from '../context';
import type { ScenarioResult } from '../results';
import { openStage, withClose, type Stage } from '../stage';
import { round } from '../stats';
import { userIds } from '../users';
import { deliverEvents } from './deliver-run';
import { backlogRun, type BacklogRun } from './priority-backlog';
import { floodRepeat, type FloodRepeat } from './priority-flood';
import { priorityReport } from './priority-report';
import { singleRecipientEvents } from './throughput';

/** Events/s of this worker, by the warm-up of the throughput scenario, for when that scenario did not run. */
async function calibratedThroughput(ctx: BenchContext, stage: Stage, users: readonly string[]) {
  const seq = { next: 0 };
  const warm = await calibrate(
    logged(ctx.log, 'priority, throughput calibration', (n) =>
      deliverEvents(stage, n, singleRecipientEvents(users, n, seq), { email: n, inApp: n }, { timeoutMs: 180_000, what: `${n} calibration events` }),
    ),
    200,
    3_000,
  );
  return { rate: warm.rate, runs: warm.runs.map((r) => rawRun('throughput calibration', { ...r })) };
}

/**
 * Scenario 4: critical events' end-to-end latency (producer timestamp → in-app provider accepted)
 * p50/p99 on an idle worker and while normal/low events flood it at half the throughput measured
 * by scenario 2 in this run (or, without it, by a calibration here), and the ratio p99 flood/idle;
 * then, once, the same under a backlog of `--backlog` normal/low events produced before the
 * critical window, and its p99 over the idle one. The backlog runs once, not per repeat: at
 * herald's throughput it takes minutes to drain.
 */
export async function runPriority(ctx: BenchContext, throughputEventsPerSecond: number | null): Promise<ScenarioResult> {
  const { repeats, seconds, backlog } = ctx.options;
  const users = userIds('u', 1000);
  const vips = userIds('vip', 20);
  const stage = await openStage(ctx, 'priority', [...users, ...vips]);
  const herald = new HeraldProducer({ kafka: ctx.kafka, topic: stage.topics.incoming, bulkTopic: stage.topics.bulk });
  const notes: string[] = [];
  const runs: Record<string, unknown>[] = [];
  let backlogError: string | undefined;
  const measured = await withClose(stage, async () => {
    await herald.connect();
    try {
      let throughput = throughputEventsPerSecond;
      if (!throughput) {
        const calibration = await calibratedThroughput(ctx, stage, users);
        throughput = calibration.rate;
        notes.push(`throughput did not run in this bench run: the flood rate is half of ${round(throughput)} events/s calibrated on this worker`);
        runs.push(...calibration.runs);
      }
      const floodRate = throughput / 2;
      const floods: FloodRepeat[] = [];
      for (let r = 0; r < repeats; r++) {
        const one = await floodRepeat(stage, herald, users, vips, { floodRate, seconds });
        ctx.log(
          `priority: repeat ${r + 1}: p50/p99 idle ${one.idle.p50}/${one.idle.p99} ms, under a flood of ${round(one.floodRate)} events/s ` +
            `${one.underFlood.p50}/${one.underFlood.p99} ms; flood drained in ${round(one.drainMs / 1000)} s`,
        );
        floods.push(one);
      }
      // Twice: on the bulk topic, where herald's publishers write it, then on the incoming topic, as a raw producer writes it.
      const backlogs: (BacklogRun | null)[] = [];
      for (const [how, topic] of [
        ['on the bulk topic', stage.topics.bulk],
        ['via intake', stage.topics.incoming],
      ] as const) {
        try {
          ctx.log(
            `priority: a backlog of ${backlog} events ${how}, then a critical window; at ${round(throughput)} events/s it drains in about ` +
              `${Math.round(backlog / throughput)} s`,
          );
          const run = await backlogRun(stage, herald, users, vips, { backlog, seconds, throughput, topic });
          ctx.log(`priority: under backlog ${how} p50/p99 ${run.window.p50}/${run.window.p99} ms; drained in ${round(run.drainMs / 1000)} s`);
          backlogs.push(run);
        } catch (error) {
          // The repeats' figures stand; the scenario still reports the bench failure.
          backlogError = `backlog ${how}: ${error instanceof Error ? error.message : String(error)}`;
          break;
        }
      }
      return { floodRate, floods, backlog: backlogs[0] ?? null, backlogViaIntake: backlogs[1] ?? null, seconds };
    } finally {
      await herald.disconnect();
    }
  });
  const report = priorityReport(measured);
  return {
    scenario: 'priority',
    figures: report.figures,
    runs: [...runs, ...report.runs],
    notes: [...notes, ...report.notes],
    ...(backlogError ? { error: backlogError } : {}),
  };
}
