import type { HeraldProducer } from '../../src/client/herald-producer';
import { produceAll } from '../produce';
import type { Stage } from '../stage';
import { criticalWindow, type CriticalWindow } from './critical-window';
import { timeoutFor } from './deliver-run';
import { normalAndLowEvents } from './priority-flood';

/** The backlog run of the priority scenario, as measured by {@link backlogRun}. */
export interface BacklogRun {
  /** The topic the backlog was written to: the bulk topic (herald's publishers), or the incoming topic (a raw producer's, forwarded by intake). */
  topic: string;
  /** Normal and low events produced before the critical window. */
  backlog: number;
  window: CriticalWindow;
  /** How long producing the backlog took, ms. */
  produceMs: number;
  /**
   * Backlog events whose email had not arrived when the window's last critical delivery had: 0
   * means the worker got through the backlog before the window ended, so part of the window was
   * not under backlog (raise `--backlog`).
   */
  pendingAfterWindow: number;
  /** First produce of the backlog → its last delivery, ms. */
  drainMs: number;
  /** The worker's peak RSS from the first produce until the backlog had drained, MB; null when unreadable. */
  peakRssMb: number | null;
}

/**
 * Produces `backlog` normal and low events (in_app + email, one recipient each) to `options.topic`
 * as fast as the producer goes, then runs a critical window while the worker works through them,
 * then waits for the backlog to drain. Unlike the flood, the backlog is all on its topic before the
 * first critical event. Written to the bulk topic (where herald's publishers write it), the window
 * measures critical events beside a saturated bulk lane; written to the incoming topic (a raw
 * producer that writes every event there), the critical events queue behind it on the same
 * partitions, and the window measures how fast intake forwards what is ahead of them.
 * `throughput` (events/s, measured in this run) sizes the timeouts: four times the expected drain.
 */
export async function backlogRun(
  stage: Stage,
  herald: HeraldProducer,
  users: readonly string[],
  vips: readonly string[],
  options: { backlog: number; seconds: number; throughput: number; topic: string },
): Promise<BacklogRun> {
  const { backlog } = options;
  const timeoutMs = timeoutFor(backlog, options.throughput);
  const base = await stage.counts();
  stage.resetPeaks();
  const startedAt = Date.now();
  await produceAll(stage.producer, options.topic, normalAndLowEvents(users, backlog, 0));
  const produceMs = Date.now() - startedAt;
  const window = await criticalWindow(stage, herald, vips, options.seconds, timeoutMs);
  // Emails are the backlog's alone: the critical events are in-app only.
  const pendingAfterWindow = Math.max(0, base.email + backlog - (await stage.counts()).email);
  const { endAt } = await stage.waitFor(
    { email: base.email + backlog, inApp: base.inApp + backlog + window.latencies.length },
    timeoutMs,
    `the backlog's ${backlog} events to drain`,
  );
  return { topic: options.topic, backlog, window, produceMs, pendingAfterWindow, drainMs: endAt - startedAt, peakRssMb: stage.peakRssMb() };
}
