import { calibrate, logged, rateOf, rawRun, sizeFor, timedRepeats, type Timed } from '../adaptive';
import type { BenchContext } from '../context';
import { connectProducer, produceAll } from '../produce';
import { BenchFailure, figure, type ScenarioResult } from '../results';
import { userIds } from '../users';
import { BENCH_PARTITIONS } from '../worker-config';
import { singleRecipientEvents } from './throughput';

/** Partitions read at once, the worker's default (`kafka.partitionsConsumedConcurrently`). */
const PARTITIONS_CONCURRENTLY = 3;

/**
 * Reads all `n` messages of `topic` with a brand-new group: a bare kafkajs consumer whose
 * `eachBatch` only counts (offsets resolved and committed as kafkajs does by default). The clock
 * runs from the first batch to the batch that holds the last message, so joining is not counted.
 */
async function readAll(ctx: BenchContext, topic: string, n: number, groupId: string): Promise<Timed> {
  // The consumer settings of the worker's lanes (src/intake/lane-consumer.ts).
  const consumer = ctx.kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 1_000 });
  let firstAt = 0;
  let count = 0;
  let finish: (at: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
      eachBatch: async ({ batch }) => {
        firstAt ||= Date.now();
        count += batch.messages.length;
        if (count >= n) finish(Date.now());
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BenchFailure(`the ceiling consumer read ${count} of ${n} messages in 5 minutes`)), 300_000);
    });
    const endAt = await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
    return { n, durationMs: endAt - firstAt };
  } finally {
    await consumer.disconnect();
    await ctx.admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

/**
 * Scenario 1: the ceiling. Throughput-shaped events (same size, key and JSON as scenario 2) are
 * produced once to a 3-partition topic, topped up as N grows; each repeat reads them all with a
 * fresh consumer group. events/s = N / (first batch → last message).
 */
export async function runCeiling(ctx: BenchContext): Promise<ScenarioResult> {
  const { repeats, seconds } = ctx.options;
  const topic = `${ctx.runId}.ceiling`;
  await ctx.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: BENCH_PARTITIONS, replicationFactor: 1 }] });
  ctx.onCleanup('ceiling topic', () => ctx.admin.deleteTopics({ topics: [topic], timeout: 30_000 }));
  const producer = await connectProducer(ctx.kafka);
  const users = userIds('u', 1000);
  const seq = { next: 0 };
  let produced = 0;
  let produceMs = 0;
  let reads = 0;
  const run = logged(ctx.log, 'ceiling', async (n: number) => {
    if (n > produced) {
      const begun = Date.now();
      produced += await produceAll(producer, topic, singleRecipientEvents(users, n - produced, seq), { perRequest: 1000, inFlight: 4 });
      produceMs += Date.now() - begun;
    }
    return { ...(await readAll(ctx, topic, produced, `${ctx.runId}-ceiling-${++reads}`)), produced };
  });
  try {
    const warm = await calibrate(run, 20_000, 3_000);
    const timed = await timedRepeats({ repeats, seconds, n: sizeFor(warm.rate, seconds), run });
    return {
      scenario: 'ceiling',
      figures: [figure('bare consumer events/s', 'events/s', timed.kept.map(rateOf), { digits: 0 })],
      runs: [
        ...warm.runs.map((r) => rawRun('calibration', r)),
        ...timed.discarded.map((r) => rawRun('discarded (too short)', r)),
        ...timed.kept.map((r) => rawRun('timed', r)),
      ],
      notes: [
        `ceiling: ${produced} events pre-produced in ${Math.round(produceMs / 1000)} s, read with partitionsConsumedConcurrently ${PARTITIONS_CONCURRENTLY}`,
      ],
    };
  } finally {
    await producer.disconnect();
  }
}
