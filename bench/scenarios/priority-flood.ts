import type { Message } from 'kafkajs';
import type { HeraldProducer } from '../../src/client/herald-producer';
import { BOTH_CHANNELS, benchEvent, toMessage } from '../events';
import { produceAll, startSteadyLoad } from '../produce';
import type { Stage } from '../stage';
import { criticalWindow, type CriticalWindow } from './critical-window';
import { timeoutFor } from './deliver-run';

/** How long the flood runs before the critical window opens, so the lanes are already loaded, ms. */
export const FLOOD_LEAD_MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` events from index `first`: normal and low alternately, one recipient each (round the users), in_app + email. */
export function* normalAndLowEvents(users: readonly string[], count: number, first: number): Generator<Message> {
  for (let i = first; i < first + count; i++) {
    yield toMessage(benchEvent({ priority: i % 2 === 0 ? 'normal' : 'low', recipients: [users[i % users.length]!], channels: BOTH_CHANNELS, seq: i }));
  }
}

/** One repeat of the priority scenario, as measured by {@link floodRepeat}. */
export interface FloodRepeat {
  idle: CriticalWindow;
  underFlood: CriticalWindow;
  /** Flood events produced, and at what rate they were, events/s. */
  floodEvents: number;
  floodRate: number;
  /** From the end of the critical window under flood until the sinks had every flood delivery, ms. */
  drainMs: number;
  /** The worker's peak RSS during the repeat (both windows and the drain), MB; null when unreadable. */
  peakRssMb: number | null;
}

/**
 * A critical window on an idle worker, then one while normal and low events flood it at `floodRate`
 * events/s (from FLOOD_LEAD_MS before the window until its end); then waits for the flood to drain,
 * so the next repeat's idle window is idle.
 */
export async function floodRepeat(
  stage: Stage,
  herald: HeraldProducer,
  users: readonly string[],
  vips: readonly string[],
  options: { floodRate: number; seconds: number },
): Promise<FloodRepeat> {
  stage.resetPeaks();
  const idle = await criticalWindow(stage, herald, vips, options.seconds);
  const base = await stage.counts();
  const floodStartedAt = Date.now();
  const flood = startSteadyLoad(options.floodRate, (count, first) => produceAll(stage.producer, stage.bulkTopic, normalAndLowEvents(users, count, first)));
  let underFlood: CriticalWindow;
  let floodTotal: number;
  try {
    await sleep(FLOOD_LEAD_MS);
    underFlood = await criticalWindow(stage, herald, vips, options.seconds);
  } finally {
    floodTotal = await flood.stop();
  }
  const floodSeconds = (Date.now() - floodStartedAt) / 1000;
  const drainFrom = Date.now();
  // The critical window's in-app deliveries (to the VIPs, users of the stage too) count at the inbox as well.
  await stage.waitFor(
    { email: base.email + floodTotal, inApp: base.inApp + floodTotal + underFlood.latencies.length },
    timeoutFor(floodTotal, options.floodRate),
    `the flood's ${floodTotal} events to drain`,
  );
  const drainMs = Date.now() - drainFrom;
  return { idle, underFlood, floodEvents: floodTotal, floodRate: floodTotal / floodSeconds, drainMs, peakRssMb: stage.peakRssMb() };
}
