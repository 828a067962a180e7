import type { Message } from 'kafkajs';
import type { Timed } from '../adaptive';
import { produceAll } from '../produce';
import type { Counts, Stage } from '../stage';

/** One measured run: N normal events produced where herald's publishers put them (`stage.bulkTopic`), timed until the sinks had every delivery. */
export interface DeliveryRun extends Timed {
  /** Deliveries expected (and counted) at the sinks. */
  deliveries: number;
  /** Worker peak RSS during the run, MB (VmHWM after a reset at its start). */
  peakRssMb: number | null;
  /** Worker RSS once the run was done, MB: with peakRssMb, shows whether memory is given back between runs. */
  rssAfterMb: number | null;
  /** The worker's V8 heap (used / total) and external memory at the end of the run, MB (its own /metrics): where the RSS is. */
  heapUsedMb: number | null;
  heapTotalMb: number | null;
  externalMb: number | null;
  /** CPU time the worker used from the first produce to the last delivery seen, ms (/proc/<pid>/stat utime + stime); null when unreadable. */
  workerCpuMs: number | null;
  /** How long producing took, ms (the producer is not the bottleneck when this is well below durationMs). */
  produceMs: number;
  /** Emails accepted beyond those expected once the run was done (a duplicate send). */
  extraEmails: number;
}

/** How long to wait for a run: four times its expected length, at least a minute; 3 minutes when the rate is unknown. */
export function timeoutFor(n: number, expectedRate: number | null): number {
  return expectedRate ? Math.max(60_000, (n / expectedRate) * 4000) : 180_000;
}

/**
 * Produces `n` normal-priority events (`messages`) to `stage.bulkTopic` and waits until the sinks counted `expected` more deliveries
 * (and `also` holds). Duration: first produce → last delivery accepted by a sink. The worker's
 * peak RSS is reset first unless `keepPeak`.
 */
export async function deliverEvents(
  stage: Stage,
  n: number,
  messages: Iterable<Message>,
  expected: Counts,
  options: { timeoutMs: number; what: string; also?: () => Promise<boolean>; keepPeak?: boolean },
): Promise<DeliveryRun> {
  const base = await stage.counts();
  const target = { email: base.email + expected.email, inApp: base.inApp + expected.inApp };
  // `keepPeak`: a run made of several calls keeps the peak of all of them.
  if (!options.keepPeak) stage.worker.resetPeak();
  const cpuBefore = stage.worker.cpuMs();
  const startedAt = Date.now();
  await produceAll(stage.producer, stage.bulkTopic, messages);
  const produceMs = Date.now() - startedAt;
  const { endAt } = await stage.waitFor(target, options.timeoutMs, options.what, options.also);
  // Read before the /metrics requests below, which are the bench's work, not the run's.
  const cpuAfter = stage.worker.cpuMs();
  const after = await stage.counts();
  const mb = async (metric: string) => {
    const bytes = await stage.metric(metric).catch(() => NaN);
    return Number.isFinite(bytes) && bytes > 0 ? Math.round(bytes / 2 ** 20) : null;
  };
  return {
    n,
    durationMs: endAt - startedAt,
    deliveries: expected.email + expected.inApp,
    peakRssMb: stage.worker.peakRssMb(),
    rssAfterMb: stage.worker.rssMb(),
    heapUsedMb: await mb('nodejs_heap_size_used_bytes'),
    heapTotalMb: await mb('nodejs_heap_size_total_bytes'),
    externalMb: await mb('nodejs_external_memory_bytes'),
    workerCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    produceMs,
    extraEmails: after.email - target.email,
  };
}

/** Notes on runs shorter than the minimum (kept after three tries) and on extra emails. */
export function runNotes(label: string, runs: DeliveryRun[], seconds: number): string[] {
  const notes: string[] = [];
  const short = runs.filter((r) => r.durationMs < seconds * 1000);
  if (short.length) notes.push(`${label}: ${short.length} timed repeat(s) lasted less than ${seconds} s even after raising N`);
  const extra = runs.reduce((sum, r) => sum + Math.max(0, r.extraEmails), 0);
  if (extra) notes.push(`${label}: the SMTP sink accepted ${extra} more email(s) than there were deliveries (a delivery sent twice)`);
  return notes;
}
