import type { Clock } from '../shared/clock';
import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/vocabulary';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { DeliveryStore } from '../delivery-state/delivery-store';
import { resolveForChannel } from '../recipients/resolve-recipient';
import type { UserDirectory } from '../recipients/user-directory';
import type { EventV2 } from '../contract/event-v2';
import type { ResolvedRecipient } from '../recipients/resolve-recipient';
import type { RetryItem, RetryStore } from './retry-store';
import { sleep } from '../shared/sleep';
import { scheduleRetry } from './schedule-retry';

/** How one try of a delivery ended (src/dispatch/dispatch-delivery.ts makes it). */
export type TryOutcome = 'sent' | 'already_sent' | 'deferred' | 'dead_lettered' | 'bounced';

/** What the send-time checks decided for one delivery about to be tried (src/routing/send-time-check.ts). */
export type SendTimeVerdict =
  { action: 'send' } | { action: 'skip'; reason: string; detail: string } | { action: 'defer'; until: number; reason: 'quiet_hours'; detail: string };

/** Dependencies of {@link createRetryPoller}. */
export interface RetryPollerDeps {
  retries: RetryStore;
  /** One try of a delivery: the dispatcher (src/dispatch/dispatch-delivery.ts). */
  dispatch: (event: EventV2, recipient: ResolvedRecipient, channel: Channel) => Promise<TryOutcome>;
  /** The checks every send repeats before its provider call (src/routing/send-time-check.ts). */
  checkAtSendTime: (event: EventV2, recipient: ResolvedRecipient, channel: Channel, nowMs: number) => Promise<SendTimeVerdict>;
  directory: UserDirectory;
  deliveries: DeliveryStore;
  config: Pick<HeraldConfig, 'channels' | 'retries'>;
  channels: readonly Channel[];
  clock: Clock;
  logger: Logger;
  /** Observes each retry's outcome: `replayed` is true for a try `herald dlq replay` queued (metrics). */
  observe?: (info: { channel: Channel; outcome: TryOutcome | 'skipped' | 'failed' | 'deferred'; replayed: boolean; reason?: string }) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Every worker polls the retry store: one loop per channel claims that channel's due retries
 * (for a lease, so a crashed worker's claims come back) and tries each again with the channel's
 * own concurrency. Before each try the send-time checks run again (channel enabled, opt-outs, caps,
 * quiet hours: src/routing/send-time-check.ts). A retry that ends sent, dead-lettered, skipped or unsendable
 * leaves the store; one that fails again was already rescheduled by the dispatcher, and one inside
 * quiet hours is rescheduled for their end. Our own storage failing leaves the claim to expire, so
 * the retry is tried again, never dropped.
 */
export function createRetryPoller(deps: RetryPollerDeps) {
  const wait = deps.sleep ?? sleep;
  let running = false;
  let loops: Promise<void>[] = [];

  async function retryOne(item: RetryItem): Promise<void> {
    const ref = { eventId: item.event.id, recipientId: item.recipientId, channel: item.channel };
    const log = { eventId: item.event.id, recipientId: item.recipientId, channel: item.channel };
    const replayed = item.lastError.code === 'replayed';
    const found = await resolveForChannel(item.recipient, item.channel, deps.directory, deps.config.channels.webhook);
    if ('reason' in found) {
      const { reason } = found;
      await deps.deliveries.set(ref, 'failed', { reason, detail: 'the recipient has no address for this channel any more' });
      deps.logger.warn('retry dropped: recipient unreachable now', { decision: 'failed', ...log, reason });
      await deps.retries.complete(item.channel, item.deliveryId);
      deps.observe?.({ channel: item.channel, outcome: 'failed', replayed, reason });
      return;
    }
    const verdict = await deps.checkAtSendTime(item.event, found.recipient, item.channel, deps.clock.now());
    if (verdict.action === 'skip') {
      await deps.deliveries.set(ref, 'skipped', { reason: verdict.reason, detail: verdict.detail });
      deps.logger.info('retry skipped at send time', { decision: 'skipped', ...log, reason: verdict.reason, replayed });
      await deps.retries.complete(item.channel, item.deliveryId);
      deps.observe?.({ channel: item.channel, outcome: 'skipped', replayed, reason: verdict.reason });
      return;
    }
    if (verdict.action === 'defer') {
      // Stored again for the end of the window, with its attempts as they are: waiting uses none.
      await scheduleRetry(deps, {
        event: item.event,
        recipient: found.recipient,
        channel: item.channel,
        attempts: item.attempts,
        at: verdict.until,
        reason: verdict.reason,
        detail: verdict.detail,
      });
      deps.observe?.({ channel: item.channel, outcome: 'deferred', replayed, reason: verdict.reason });
      return;
    }
    const outcome = await deps.dispatch(item.event, found.recipient, item.channel);
    if (outcome !== 'deferred') await deps.retries.complete(item.channel, item.deliveryId);
    deps.observe?.({ channel: item.channel, outcome, replayed });
  }

  /**
   * Keeps up to the channel's `batchSize` retries in flight and claims more as soon as one ends.
   * Claiming a batch and awaiting all of it let one hung provider call (a held SMTP connection: 30 s)
   * stop every other retry of the channel (found by the chaos run). A retry is claimed only when a
   * slot is free, so it starts at once and its claim lease runs while it is being tried.
   */
  async function loop(channel: Channel): Promise<void> {
    const { claimBatch, claimLeaseMs, pollIntervalMs } = deps.config.retries;
    const slots = deps.config.channels[channel].batchSize;
    const inFlight = new Set<Promise<void>>();
    while (running) {
      if (inFlight.size >= slots) {
        await Promise.race(inFlight);
        continue;
      }
      let items: RetryItem[] = [];
      try {
        items = await deps.retries.claimDue(channel, Math.min(claimBatch, slots - inFlight.size), claimLeaseMs);
      } catch (error) {
        deps.logger.error('cannot read the retry store; will poll again', { channel, error: describeError(error) });
      }
      if (items.length === 0) {
        await wait(pollIntervalMs);
        continue;
      }
      for (const item of items) {
        const attempt: Promise<void> = retryOne(item)
          .catch((error: unknown) => {
            deps.logger.error('retry failed on our side; it comes back after its claim lease', {
              channel,
              eventId: item.event.id,
              recipientId: item.recipientId,
              error: describeError(error),
            });
          })
          .finally(() => inFlight.delete(attempt));
        inFlight.add(attempt);
      }
    }
    await Promise.all(inFlight);
  }

  return {
    /** Starts one polling loop per channel. */
    start(): void {
      if (running) return;
      running = true;
      loops = deps.channels.map((channel) => loop(channel));
    },
    /** Stops claiming and waits for the retries in hand to finish (the service bounds the wait). */
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
      loops = [];
    },
  };
}
