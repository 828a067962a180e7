import type { Clock } from '../shared/clock';
import type { Channel } from '../contract/vocabulary';
import type { EventV2 } from '../contract/event-v2';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import type { Dispatch, DispatchOutcome } from './dispatch-delivery';
import { retryItemOf, type RetryStore } from '../retries/retry-store';

/** Dependencies of {@link createDetachingDispatch}. */
export interface DetachDeps {
  dispatch: Dispatch;
  retries: RetryStore;
  /** Longest the caller waits for one delivery's attempt (`retries.detachAfterMs`). */
  detachAfterMs: number;
  /** The send lease: a detached attempt's safety-net retry is due when its lease would have expired. */
  leaseMs: number;
  clock: Clock;
  logger: Logger;
}

const DETACHED = Symbol('detached');

/**
 * Intake's dispatch, bounded in time. A Kafka partition is handled one event after another, so an
 * attempt hanging on a broken provider (an SMTP server that accepts and never answers) would hold
 * every later event of the partition, SMS and push included. Past `detachAfterMs` the attempt
 * finishes in the background and the caller moves on, once a safety-net retry is stored: due when
 * the attempt's lease expires, so if this process dies the delivery is sent by another worker,
 * and if the attempt ends first its own outcome wins (a sent delivery is never sent again, a failed
 * one replaces the safety net with its real retry).
 */
export function createDetachingDispatch(deps: DetachDeps) {
  const background = new Set<Promise<unknown>>();

  async function dispatch(event: EventV2, recipient: ResolvedRecipient, channel: Channel): Promise<DispatchOutcome | 'detached'> {
    const running = deps.dispatch(event, recipient, channel);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof DETACHED>((resolve) => (timer = setTimeout(() => resolve(DETACHED), deps.detachAfterMs)));
    const first = await Promise.race([running, deadline]).finally(() => clearTimeout(timer));
    if (first !== DETACHED) return first;

    const now = deps.clock.now();
    const lastError = { code: 'detached', message: `the attempt took longer than ${deps.detachAfterMs} ms and finishes in the background` };
    const item = retryItemOf(event, recipient, channel, 0, lastError, now);
    const safety = deps.retries.schedule(item, now + deps.leaseMs, true);
    // Once both the attempt and the safety net are done: an attempt that ended for good (sent,
    // dead-lettered, bounced) no longer needs the safety net; a deferred one replaced it with its retry.
    const tracked = Promise.all([running, safety])
      .then(async ([outcome]) => {
        if (outcome !== 'deferred') await deps.retries.complete(channel, item.deliveryId);
      })
      .catch((error: unknown) =>
        deps.logger.error('background delivery attempt failed on our side; its safety-net retry takes over', {
          eventId: event.id,
          recipientId: recipient.recipientId,
          channel,
          error: describeError(error),
        }),
      )
      .finally(() => background.delete(tracked));
    background.add(tracked);
    await safety;
    deps.logger.warn('slow delivery attempt left to finish in the background; the partition moves on', {
      decision: 'detached',
      eventId: event.id,
      recipientId: recipient.recipientId,
      channel,
      afterMs: deps.detachAfterMs,
    });
    return 'detached';
  }

  return {
    dispatch,
    /** Waits for the attempts still running in the background (at shutdown; the safety nets cover any abandoned). */
    async drain(): Promise<void> {
      await Promise.allSettled([...background]);
    },
  };
}
