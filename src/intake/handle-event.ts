import type { Clock } from '../clock';
import type { HeraldConfig } from '../config/schema';
import type { EventV2 } from '../contract/event-v2';
import type { DedupStore, DedupVerdict } from '../dedup/dedup-store';
import type { DeliveryStore } from '../delivery-state/delivery-store';
import type { Dispatch } from '../dispatch/dispatch-delivery';
import { runLimited } from '../dispatch/run-limited';
import type { Logger } from '../logger';
import { resolveRecipient, type ResolvedRecipient } from '../recipients/resolve-recipient';
import type { UserDirectory } from '../recipients/user-directory';
import { planDeliveries, type DeliveryPlan } from './plan-deliveries';

/** Hands a delivery to the batching store (idempotent per event, recipient and channel). */
export type BatchFn = (event: EventV2, recipient: ResolvedRecipient, channel: DeliveryPlan['channel']) => Promise<void>;

/** Dependencies of {@link createEventHandler}. */
export interface EventHandlerDeps {
  dedup: DedupStore;
  deliveries: DeliveryStore;
  directory: UserDirectory;
  /** Immediate dispatch; intake's is bounded in time (src/dispatch/detach-slow.ts). */
  dispatch: (...args: Parameters<Dispatch>) => Promise<unknown>;
  batch: BatchFn;
  config: Pick<HeraldConfig, 'channels' | 'batching' | 'priorities'>;
  clock: Clock;
  logger: Logger;
  /** Observes skipped/failed/batched plans (metrics). */
  observe?: (info: { channel: string; outcome: 'skipped' | 'failed' | 'batched' }) => void;
}

/** The summary of one handled event. */
export interface HandledEvent {
  verdict: DedupVerdict;
  plans: number;
}

/**
 * Handles one valid event: dedup, record, resolve recipients, plan, and then dispatch, batch or
 * record every (recipient, channel) pair. Resolves only when every pair is settled (sent, recorded,
 * stored in the retry store, or left to finish in the background behind a stored safety-net retry),
 * so the caller may commit the offset. Provider failures are settled inside dispatch (DLQ); a failure of our own
 * storage (Redis or Kafka unreachable) rejects, after the other pairs finished, so the event is retried.
 */
export function createEventHandler(deps: EventHandlerDeps) {
  const { deliveries, logger } = deps;

  async function settle(event: EventV2, plan: DeliveryPlan): Promise<void> {
    if (plan.action === 'dispatch') {
      // `pending` only if new: a redelivered event keeps the state its deliveries reached.
      await deliveries.set({ eventId: event.id, recipientId: plan.recipient.recipientId, channel: plan.channel }, 'pending');
      await deps.dispatch(event, plan.recipient, plan.channel);
      return;
    }
    if (plan.action === 'batch') {
      await deps.batch(event, plan.recipient, plan.channel);
      deps.observe?.({ channel: plan.channel, outcome: 'batched' });
      return;
    }
    const ref = { eventId: event.id, recipientId: plan.recipientId, channel: plan.channel };
    const status = plan.action === 'skip' ? 'skipped' : 'failed';
    await deliveries.set(ref, status, { reason: plan.reason, detail: plan.detail });
    logger.info(`delivery ${status}`, { decision: status, eventId: event.id, recipientId: plan.recipientId, channel: plan.channel, reason: plan.reason });
    deps.observe?.({ channel: plan.channel, outcome: status });
  }

  return async function handleEvent(event: EventV2, marker: string): Promise<HandledEvent> {
    const verdict = await deps.dedup.claim(event.deduplicationKey ?? event.id, marker);
    if (verdict === 'duplicate') {
      logger.info('duplicate event dropped', { decision: 'deduped', eventId: event.id, deduplicationKey: event.deduplicationKey });
      return { verdict, plans: 0 };
    }
    await deliveries.recordEvent(event.id, {
      type: event.type,
      priority: event.priority,
      createdAt: event.createdAt,
      receivedAt: new Date(deps.clock.now()).toISOString(),
      recipients: String(event.recipients.length),
      channels: event.channels.join(','),
    });
    const unique = [...new Set(event.recipients)];
    const resolved = await Promise.all(unique.map((r) => resolveRecipient(r, deps.directory, deps.config.channels.webhook)));
    const plans = planDeliveries(event, resolved, deps.config);
    logger.info('event routed', {
      decision: 'routed',
      eventId: event.id,
      priority: event.priority,
      redelivery: verdict === 'redelivery',
      dispatch: plans.filter((p) => p.action === 'dispatch').length,
      batch: plans.filter((p) => p.action === 'batch').length,
    });
    // Each channel fans out with its own concurrency, so a slow channel uses only its own slots.
    const byChannel = Map.groupBy(plans, (plan) => plan.channel);
    const settled = (
      await Promise.all([...byChannel].map(([channel, group]) => runLimited(group, deps.config.channels[channel].batchSize, (plan) => settle(event, plan))))
    ).flat();
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    return { verdict, plans: plans.length };
  };
}

/** The event handler, as returned by {@link createEventHandler}. */
export type EventHandler = ReturnType<typeof createEventHandler>;
