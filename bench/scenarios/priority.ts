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
import { priorityReport, type PriorityMeasured } from './priority-report';
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

/** What one deployment measured, and the error of its backlog run if it failed. */
type Deployment = { measured: PriorityMeasured; backlogError?: string };

/**
 * The flood repeats and the backlog runs on one stage: herald as one process of both lanes or split
 * by lane into two processes (HERALD_LANES). With `viaIntake`, the backlog runs a second time on the
 * incoming topic (a reference).
 */
async function measureDeployment(
  ctx: BenchContext,
  stage: Stage,
  users: readonly string[],
  vips: readonly string[],
  options: { floodRate: number; throughput: number; viaIntake: boolean; label: string },
): Promise<Deployment> {
  const { repeats, seconds, backlog } = ctx.options;
  const herald = new HeraldProducer({ kafka: ctx.kafka, topic: stage.topics.incoming, bulkTopic: stage.topics.bulk });
  await herald.connect();
  try {
    const floods: FloodRepeat[] = [];
    for (let r = 0; r < repeats; r++) {
      const one = await floodRepeat(stage, herald, users, vips, { floodRate: options.floodRate, seconds });
      ctx.log(
        `priority${options.label}: repeat ${r + 1}: p50/p99 idle ${one.idle.p50}/${one.idle.p99} ms, under a flood of ${round(one.floodRate)} events/s ` +
          `${one.underFlood.p50}/${one.underFlood.p99} ms; flood drained in ${round(one.drainMs / 1000)} s`,
      );
      floods.push(one);
    }
    // On the bulk topic, where herald's publishers write it, then (viaIntake) on the incoming topic, as a raw producer writes it.
    const backlogs: (BacklogRun | null)[] = [];
    let backlogError: string | undefined;
    const where = [['on the bulk topic', stage.topics.bulk] as const, ...(options.viaIntake ? [['via intake', stage.topics.incoming] as const] : [])];
    for (const [how, topic] of where) {
      try {
        ctx.log(
          `priority${options.label}: a backlog of ${backlog} events ${how}, then a critical window; at ${round(options.throughput)} events/s it drains ` +
            `in about ${Math.round(backlog / options.throughput)} s`,
        );
        const run = await backlogRun(stage, herald, users, vips, { backlog, seconds, throughput: options.throughput, topic });
        ctx.log(`priority${options.label}: under backlog ${how} p50/p99 ${run.window.p50}/${run.window.p99} ms; drained in ${round(run.drainMs / 1000)} s`);
        backlogs.push(run);
      } catch (error) {
        // The repeats' figures stand; the scenario still reports the bench failure.
        backlogError = `backlog ${how}${options.label}: ${error instanceof Error ? error.message : String(error)}`;
        break;
      }
    }
    const measured = { floodRate: options.floodRate, floods, backlog: backlogs[0] ?? null, backlogViaIntake: backlogs[1] ?? null, seconds };
    return { measured, ...(backlogError ? { backlogError } : {}) };
  } finally {
    await herald.disconnect();
  }
}

/** Label of the figures of the deployment split by lane. */
export const SPLIT_LABEL = ' (lanes in two processes)';

/**
 * Scenario 4: critical events' end-to-end latency (producer timestamp → in-app provider accepted)
 * p50/p99 on an idle worker and while normal/low events flood it at half the throughput measured
 * by scenario 2 in this run (or, without it, by a calibration here), and the ratio p99 flood/idle;
 * then, once, the same under a backlog of `--backlog` normal/low events produced before the
 * critical window, and its p99 over the idle one. The backlog runs once, not per repeat: at
 * herald's throughput it takes minutes to drain. All of it twice: herald as one process of both
 * lanes (with the backlog via intake as a reference), then split by lane into an intake-only and a
 * bulk-only process on a stage of their own (HERALD_LANES; figures labelled {@link SPLIT_LABEL}).
 */
export async function runPriority(ctx: BenchContext, throughputEventsPerSecond: number | null): Promise<ScenarioResult> {
  const users = userIds('u', 1000);
  const vips = userIds('vip', 20);
  const notes: string[] = [];
  const runs: Record<string, unknown>[] = [];
  const errors: string[] = [];
  const stage = await openStage(ctx, 'priority', [...users, ...vips]);
  const { shared, throughput } = await withClose(stage, async () => {
    let throughput = throughputEventsPerSecond;
    if (!throughput) {
      const calibration = await calibratedThroughput(ctx, stage, users);
      throughput = calibration.rate;
      notes.push(`throughput did not run in this bench run: the flood rate is half of ${round(throughput)} events/s calibrated on this worker`);
      runs.push(...calibration.runs);
    }
    return { throughput, shared: await measureDeployment(ctx, stage, users, vips, { floodRate: throughput / 2, throughput, viaIntake: true, label: '' }) };
  });
  const splitStage = await openStage(ctx, 'priority-split', [...users, ...vips], 'herald', 'split');
  const split = await withClose(splitStage, () =>
    measureDeployment(ctx, splitStage, users, vips, { floodRate: throughput / 2, throughput, viaIntake: false, label: SPLIT_LABEL }),
  );
  const report = priorityReport(shared.measured);
  const splitReport = priorityReport(split.measured, SPLIT_LABEL);
  for (const e of [shared.backlogError, split.backlogError]) if (e) errors.push(e);
  return {
    scenario: 'priority',
    figures: [...report.figures, ...splitReport.figures],
    runs: [...runs, ...report.runs, ...splitReport.runs.map((r) => ({ ...r, lanes: 'split' }))],
    notes: [...notes, ...report.notes, ...splitReport.notes.map((n) => `${n}${SPLIT_LABEL}`)],
    ...(errors.length ? { error: errors.join('\n') } : {}),
  };
}
