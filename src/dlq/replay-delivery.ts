import type { Clock } from '../shared/clock';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import type { DeliveryStore, ReopenVerdict } from '../delivery-state/delivery-store';
import { retryItemOf, type RetryStore } from '../retries/retry-store';
import { recipientIdOf } from '../recipients/resolve-recipient';

/** The one delivery of an event a replay gives another try, and the dead letter it comes from. */
export interface ReplayTarget {
  recipientId: string;
  channel: Channel;
  /** The dead letter replayed, `<partition>:<offset>` on the DLQ topic (in the retry's reason). */
  letter: string;
}

/** What a replay did: reopened and queued, or why not (see delivery-reopen.lua), or `not_in_event`. */
export type ReplayOutcome = ReopenVerdict['verdict'] | 'not_in_event';

/** Dependencies of {@link createReplayer}. */
export interface ReplayerDeps {
  deliveries: Pick<DeliveryStore, 'reopen'>;
  retries: Pick<RetryStore, 'schedule'>;
  clock: Clock;
}

/**
 * Gives one dead-lettered delivery another try (`herald dlq replay`), written straight to herald's
 * own stores: the event is the one intake recorded (never a letter's copy), the ledger reopens only
 * a delivery it holds as dead-lettered or bounced (never a sent one, nor one it never recorded),
 * and the retry store then tries it as if a retry came due now. That try goes through the same
 * send-time checks as every retry (channel enabled, opt-outs, caps, quiet hours:
 * src/routing/send-time-check.ts) and counts as an attempt, so a delivery that fails again goes
 * back to the DLQ with its attempt count; nothing replays by itself. Nothing of this passes through
 * the intake topic, where any producer could write it.
 */
export function createReplayer(deps: ReplayerDeps) {
  return async function replay(event: EventV2, target: ReplayTarget): Promise<{ outcome: ReplayOutcome; attempts: number }> {
    const source = event.recipients.find((r) => recipientIdOf(r) === target.recipientId);
    if (source === undefined || !event.channels.includes(target.channel)) return { outcome: 'not_in_event', attempts: 0 };
    const ref = { eventId: event.id, recipientId: target.recipientId, channel: target.channel };
    const { verdict, attempts } = await deps.deliveries.reopen(ref);
    if (verdict !== 'reopened') return { outcome: verdict, attempts };
    const now = deps.clock.now();
    const item = retryItemOf(
      event,
      { recipientId: target.recipientId, source },
      target.channel,
      attempts,
      { code: 'replayed', message: `replayed from the DLQ (letter ${target.letter})` },
      now,
    );
    // NX: a retry already stored for it (a replay repeated) is kept; either way one try comes.
    await deps.retries.schedule(item, now, true);
    return { outcome: 'reopened', attempts };
  };
}

/** The replay handler, as returned by {@link createReplayer}. */
export type Replayer = ReturnType<typeof createReplayer>;
