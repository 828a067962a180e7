import { randomUUID } from 'node:crypto';
import type { HeraldProducer } from '../../src/client/herald-producer';
import { BENCH_TEMPLATE, benchPayload } from '../events';
import { BenchFailure } from '../results';
import type { Stage } from '../stage';
import { percentile } from '../stats';

/** Critical events per second during a measuring window. */
export const CRITICAL_RATE = 20;

/** How many critical events a window of `seconds` sends. */
export const criticalCount = (seconds: number) => Math.ceil(CRITICAL_RATE * seconds);

/** Latencies of one critical window, ms: producer `createdAt` → in-app push time. */
export interface CriticalWindow {
  latencies: number[];
  p50: number;
  p99: number;
  max: number;
}

/** A critical event sent, and where its in-app delivery will show. */
type Sent = { userId: string; deliveryId: string; createdAt: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Publishes critical in-app events at CRITICAL_RATE for `seconds` with the real client
 * (HeraldProducer; `createdAt` set at send time), round the VIP users, then reads each delivery's
 * push time from the in-app provider's delivered set (ZSCORE of `eventId|userId|in_app`), waiting up
 * to `timeoutMs` after the last was sent (default a minute: longer where a backlog may hold them up).
 */
export async function criticalWindow(
  stage: Stage,
  herald: HeraldProducer,
  vips: readonly string[],
  seconds: number,
  timeoutMs = 60_000,
): Promise<CriticalWindow> {
  const sent = await publishCritical(herald, vips, criticalCount(seconds));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const w of stage.workers) w.assertAlive();
    const pushed = await stage.inbox.pushTimes(sent);
    const missing = pushed.filter((t) => t === null).length;
    if (missing === 0) {
      const latencies = pushed.map((t, i) => (t as number) - sent[i]!.createdAt);
      return { latencies, p50: percentile(latencies, 50)!, p99: percentile(latencies, 99)!, max: Math.max(...latencies) };
    }
    if (Date.now() > deadline)
      throw new BenchFailure(
        `timed out waiting for critical in-app deliveries: ${missing} of ${sent.length} not pushed ${Math.round(timeoutMs / 1000)} s after the last ` +
          `was sent; worker log ${stage.worker.logFile}`,
      );
    await sleep(100);
  }
}

/** Sends `count` critical events at CRITICAL_RATE, round the VIPs; resolves once the broker has them all. */
async function publishCritical(herald: HeraldProducer, vips: readonly string[], count: number): Promise<Sent[]> {
  const sent: Sent[] = [];
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
  return sent;
}
