import type { Clock } from '../clock';
import type { EventV2 } from '../contract/event-v2';
import type { DeliveryStore, ReopenVerdict } from '../delivery-state/delivery-store';
import { retryItemOf, type RetryStore } from '../dispatch/retry-store';
import type { Logger } from '../logger';
import { recipientIdOf } from '../recipients/resolve-recipient';
import type { ReplayTarget } from './replay-header';

/** What a replay did: reopened and queued, or why not (see delivery-reopen.lua), or `not_in_event`. */
export type ReplayOutcome = ReopenVerdict['verdict'] | 'not_in_event';

/** Dependencies of {@link createReplayer}. */
export interface ReplayerDeps {
  deliveries: Pick<DeliveryStore, 'reopen'>;
  retries: Pick<RetryStore, 'schedule'>;
  clock: Clock;
  logger: Logger;
  observe?: (outcome: ReplayOutcome) => void;
}

/**
 * Handles one replay message (`herald dlq replay`): the named delivery of the event gets one more
 * try through the retry store, as if a retry came due now. The send-once ledger decides first: a
 * delivery that was sent meanwhile (an earlier replay, a provider that accepted late) is never sent
 * again, and one already being tried is left alone. The try that follows counts as an attempt, so a
 * delivery that fails again goes back to the DLQ with its attempt count; nothing replays by itself.
 */
export function createReplayer(deps: ReplayerDeps) {
  return async function replay(event: EventV2, target: ReplayTarget): Promise<ReplayOutcome> {
    const log = { eventId: event.id, recipientId: target.recipientId, channel: target.channel, letter: target.letter };
    const finish = (outcome: ReplayOutcome) => {
      deps.observe?.(outcome);
      return outcome;
    };
    const source = event.recipients.find((r) => recipientIdOf(r) === target.recipientId);
    if (source === undefined || !event.channels.includes(target.channel)) {
      deps.logger.warn('replay names a delivery the event does not have; nothing replayed', { decision: 'replay_refused', ...log });
      return finish('not_in_event');
    }
    const ref = { eventId: event.id, recipientId: target.recipientId, channel: target.channel };
    const { verdict, attempts } = await deps.deliveries.reopen(ref, target.attempts);
    if (verdict !== 'reopened') {
      deps.logger.info('replay not needed', { decision: 'replay_skipped', ...log, verdict, attempts });
      return finish(verdict);
    }
    const now = deps.clock.now();
    const item = retryItemOf(event, { recipientId: target.recipientId, source }, target.channel, attempts, { code: 'replayed', message: `replayed from the DLQ (letter ${target.letter})` }, now);
    // NX: a retry already stored for it (a replay repeated) is kept; either way one try comes.
    await deps.retries.schedule(item, now, true);
    deps.logger.info('dead letter replayed', { decision: 'replayed', ...log, attempts });
    return finish('reopened');
  };
}

/** The replay handler, as returned by {@link createReplayer}. */
export type Replayer = ReturnType<typeof createReplayer>;
