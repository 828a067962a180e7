/**
 * Reconciles what the providers, the inboxes and the DLQ received against what the workload
 * expected: every delivery must be at its provider exactly once or in the DLQ with a reason.
 */
import type { Expectation, PlannedEvent } from './workload';

/** A copy that reached a provider or an inbox. */
export interface Arrival {
  channel: string;
  eventId: string;
  /** Mailbox, number, token, or the user id for in-app. */
  address: string;
  at: number;
}

/** A `delivery_failed` dead letter, reduced to what reconciliation needs. */
export interface DeliveryLetter {
  eventId: string;
  recipientId: string;
  channel: string;
  reason: string;
}

export interface ReconcileInput {
  planned: readonly PlannedEvent[];
  arrivals: readonly Arrival[];
  deliveryLetters: readonly DeliveryLetter[];
  /** `invalid_event` letters, by reason. */
  invalidLetters: Record<string, number>;
  /**
   * The recorded state (`status:reason`) of deliveries to bad addresses that have no dead letter: a
   * push to unregistered tokens ends `bounced` (the tokens are pruned), not in the DLQ.
   */
  endedWithoutSend?: ReadonlyMap<string, string>;
  /** Epoch ms of every worker SIGKILL. */
  kills: readonly number[];
  /** A duplicate whose first copy arrived at most this long before a SIGKILL is in the documented window. */
  windowMs: number;
}

export interface Reconciliation {
  deliveriesExpected: number;
  toDeliver: number;
  toDeadLetter: number;
  deliveredExactlyOnce: number;
  /** Extra copies, all of them. */
  duplicates: number;
  /** Extra copies whose first copy arrived within `windowMs` before a worker was SIGKILLed. */
  duplicatesInWindow: number;
  duplicatesOutsideWindow: number;
  /** Longest time from a duplicate's first copy to the SIGKILL after it, over duplicates in the window, in ms. */
  windowGapMaxMs: number;
  /** Extra copies by channel. */
  duplicatesByChannel: Record<string, number>;
  /** Deliveries neither at their provider nor in the DLQ. */
  lost: number;
  lostSamples: string[];
  /** Distinct delivery dead letters, by reason. */
  deadLettered: Record<string, number>;
  /** Deliveries to bad addresses that ended for good without a dead letter, by `status:reason`. */
  endedWithoutSend: Record<string, number>;
  /** Deliveries expected at a provider that were dead-lettered instead (retries exhausted): kept, but worth a look. */
  deadLetteredInsteadOfSent: number;
  /** Deliveries both sent and dead-lettered: a contradiction. */
  sentAndDeadLettered: number;
  /** Copies no expected delivery accounts for (an opted-out channel, an unknown event). */
  unexpected: number;
  unexpectedSamples: string[];
  invalidDeadLettered: number;
  /** Delay from createdAt to the first copy, over delivered deliveries, in ms. */
  delayMaxMs: number;
  delayP99Ms: number;
  delayP50Ms: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function reconcile(input: ReconcileInput): Reconciliation {
  // Where each arrival should come from: event, channel and address → the delivery.
  const byAddress = new Map<string, { key: string; createdAt: number; expectation: Expectation }>();
  let toDeliver = 0;
  let toDeadLetter = 0;
  for (const { event, expected } of input.planned) {
    const createdAt = Date.parse(event.createdAt);
    for (const [recipientChannel, expectation] of expected) {
      if (expectation.outcome === 'none') continue;
      if (expectation.outcome === 'deliver') toDeliver += 1;
      else toDeadLetter += 1;
      const channel = recipientChannel.slice(recipientChannel.lastIndexOf('|') + 1);
      byAddress.set(`${event.id}|${channel}|${expectation.address}`, { key: `${event.id}|${recipientChannel}`, createdAt, expectation });
    }
  }

  const copies = new Map<string, number[]>();
  let unexpected = 0;
  const unexpectedSamples: string[] = [];
  for (const a of input.arrivals) {
    const target = byAddress.get(`${a.eventId}|${a.channel}|${a.address}`);
    if (!target || target.expectation.outcome !== 'deliver') {
      unexpected += 1;
      if (unexpectedSamples.length < 5)
        unexpectedSamples.push(`${a.channel} copy of event ${a.eventId}${target ? ' to an address expected to be refused' : ' that no delivery expects'}`);
      continue;
    }
    const list = copies.get(target.key) ?? [];
    list.push(a.at);
    copies.set(target.key, list);
  }

  const letters = new Map<string, string>();
  for (const l of input.deliveryLetters) letters.set(`${l.eventId}|${l.recipientId}|${l.channel}`, l.reason);
  const deadLettered: Record<string, number> = {};
  for (const reason of letters.values()) deadLettered[reason] = (deadLettered[reason] ?? 0) + 1;

  const kills = [...input.kills].sort((a, b) => a - b);
  const gapToKill = (at: number) => (kills.find((k) => k >= at) === undefined ? Infinity : kills.find((k) => k >= at)! - at);
  let windowGapMaxMs = 0;
  let exactlyOnce = 0;
  let duplicates = 0;
  let inWindow = 0;
  const endedWithoutSend: Record<string, number> = {};
  const duplicatesByChannel: Record<string, number> = {};
  let lost = 0;
  let deadLetteredInsteadOfSent = 0;
  let sentAndDeadLettered = 0;
  const lostSamples: string[] = [];
  const delays: number[] = [];
  for (const { key, createdAt, expectation } of byAddress.values()) {
    const times = (copies.get(key) ?? []).sort((a, b) => a - b);
    const letter = letters.get(key);
    if (expectation.outcome === 'dlq') {
      const ended = letter ? undefined : input.endedWithoutSend?.get(key);
      if (ended) endedWithoutSend[ended] = (endedWithoutSend[ended] ?? 0) + 1;
      else if (!letter) {
        lost += 1;
        if (lostSamples.length < 10) lostSamples.push(`${key}: expected in the DLQ, not there`);
      }
      continue;
    }
    if (times.length === 0) {
      if (letter) deadLetteredInsteadOfSent += 1;
      else {
        lost += 1;
        if (lostSamples.length < 10) lostSamples.push(`${key}: not at its provider, not in the DLQ`);
      }
      continue;
    }
    if (letter) sentAndDeadLettered += 1;
    delays.push(times[0]! - createdAt);
    if (times.length === 1) exactlyOnce += 1;
    else {
      duplicates += times.length - 1;
      const channel = key.slice(key.lastIndexOf('|') + 1);
      duplicatesByChannel[channel] = (duplicatesByChannel[channel] ?? 0) + times.length - 1;
      const gap = gapToKill(times[0]!);
      if (gap <= input.windowMs) {
        inWindow += times.length - 1;
        windowGapMaxMs = Math.max(windowGapMaxMs, gap);
      }
    }
  }
  delays.sort((a, b) => a - b);
  return {
    deliveriesExpected: toDeliver + toDeadLetter,
    toDeliver,
    toDeadLetter,
    deliveredExactlyOnce: exactlyOnce,
    duplicates,
    duplicatesInWindow: inWindow,
    duplicatesOutsideWindow: duplicates - inWindow,
    duplicatesByChannel,
    windowGapMaxMs,
    lost,
    lostSamples,
    deadLettered,
    endedWithoutSend,
    deadLetteredInsteadOfSent,
    sentAndDeadLettered,
    unexpected,
    unexpectedSamples,
    invalidDeadLettered: Object.values(input.invalidLetters).reduce((a, b) => a + b, 0),
    delayMaxMs: delays.at(-1) ?? 0,
    delayP99Ms: percentile(delays, 99),
    delayP50Ms: percentile(delays, 50),
  };
}
