import type { Clock } from '../shared/clock';
import type { HeraldConfig } from '../config/schema';
import { dueAtOf, type EventV2 } from '../contract/event-v2';
import type { DigestRule } from '../digests/digest-rules';
import type { FrequencyCaps } from './frequency-caps';
import type { RetryStore } from '../retries/retry-store';
import { scheduleRetry } from '../retries/schedule-retry';
import { gateDeliveries } from './gate-deliveries';
import type { DedupStore, DedupVerdict } from './dedup-store';
import { deliveryIdOf, type DeliveryStore } from '../delivery-state/delivery-store';
import type { Dispatch } from '../dispatch/dispatch-delivery';
import { runLimited } from '../shared/run-limited';
import type { Logger } from '../shared/logger';
import { resolveRecipient, type ResolvedRecipient } from '../recipients/resolve-recipient';
import type { UserDirectory } from '../recipients/user-directory';
import { planDeliveries, type DeliveryPlan } from './plan-deliveries';

/** Hands a delivery to the batching store under a digest rule (idempotent per event, recipient and channel). */
export type BatchFn = (event: EventV2, recipient: ResolvedRecipient, channel: DeliveryPlan['channel'], rule: DigestRule, reason?: string) => Promise<void>;

/** Holds an event until it is due (src/scheduling/schedule-store.ts). */
export interface ScheduleFn {
  add(event: EventV2, dueAt: number): Promise<'scheduled' | 'exists' | 'cancelled' | 'fired'>;
  /** Where a scheduled event stands, or null when it never went through the store. */
  state(eventId: string): Promise<{ state: string } | null>;
}

/** Dependencies of {@link createEventHandler}. */
export interface EventHandlerDeps {
  dedup: DedupStore;
  deliveries: DeliveryStore;
  directory: UserDirectory;
  /** Immediate dispatch; intake's is bounded in time (src/dispatch/detach-slow.ts). */
  dispatch: (...args: Parameters<Dispatch>) => Promise<unknown>;
  batch: BatchFn;
  /** The durable schedule store of events with a future `sendAt` or `delay`. */
  schedule: ScheduleFn;
  /** Frequency caps (src/routing/frequency-caps.ts). */
  caps: Pick<FrequencyCaps, 'check'>;
  /** Where deliveries waiting for the end of quiet hours are kept (the durable retry store). */
  retries: RetryStore;
  config: Pick<HeraldConfig, 'channels' | 'batching' | 'priorities' | 'quietHours' | 'scheduling'>;
  clock: Clock;
  logger: Logger;
  /** Observes skipped/failed/batched plans (metrics). */
  observe?: (info: { channel: string; outcome: 'skipped' | 'failed' | 'batched' | 'deferred'; reason?: string }) => void;
  /** Observes events held for later (metrics). */
  observeScheduled?: (info: { outcome: 'scheduled' | 'exists' | 'cancelled' | 'fired' }) => void;
}

/** The summary of one handled event. */
export interface HandledEvent {
  verdict: DedupVerdict;
  plans: number;
  /** Set when the event was held in the schedule store for its `sendAt`/`delay` instead of handled now. */
  scheduled?: boolean;
}

/**
 * Handles one valid event: dedup, record, then either hold it in the schedule store (a future
 * `sendAt`/`delay`) or deliver it: resolve recipients, plan, drop it if older than its priority's
 * `maxAge`, apply frequency caps and quiet hours, and then dispatch, batch, defer or record every
 * (recipient, channel) pair. Resolves only when every pair is settled (sent, recorded,
 * stored in the retry store, or left to finish in the background behind a stored safety-net retry),
 * so the caller may commit the offset. Provider failures are settled inside dispatch (DLQ); a failure of our own
 * storage (Redis or Kafka unreachable) rejects, after the other pairs finished, so the event is retried.
 */
export function createEventHandler(deps: EventHandlerDeps) {
  const { deliveries, logger } = deps;

  async function settle(event: EventV2, plan: DeliveryPlan): Promise<void> {
    if (plan.action === 'dispatch') {
      // `pending` only if new: a redelivered event keeps the state its deliveries reached. The send
      // does not wait for that change to reach the status topic; the event's offset does.
      const ref = { eventId: event.id, recipientId: plan.recipient.recipientId, channel: plan.channel };
      const { opened, published } = await deliveries.open(ref);
      // Handled before (a redelivery, a retry in place after our own storage failed) and waiting in the
      // retry store: a try now would call its provider before its backoff or Retry-After and use an
      // attempt, on every retry in place (a Redis blip could dead-letter it in seconds). The store sends it.
      if (!opened && (await deliveries.get(ref))?.status === 'deferred' && (await deps.retries.dueAt(plan.channel, deliveryIdOf(ref))) !== null) {
        logger.info('delivery waits in the retry store; left to it', { decision: 'deduped', ...ref });
        return;
      }
      const [publishing, dispatching] = await Promise.allSettled([published, deps.dispatch(event, plan.recipient, plan.channel)]);
      if (dispatching.status === 'rejected') throw dispatching.reason;
      if (publishing.status === 'rejected') throw publishing.reason;
      return;
    }
    if (plan.action === 'batch') {
      await deps.batch(event, plan.recipient, plan.channel, plan.rule, plan.reason);
      deps.observe?.({ channel: plan.channel, outcome: 'batched', reason: plan.reason });
      return;
    }
    if (plan.action === 'defer') {
      // Kept in the durable retry store until the window ends, using no attempt; the retry poller sends it then.
      await scheduleRetry(
        { retries: deps.retries, deliveries, clock: deps.clock, logger },
        { event, recipient: plan.recipient, channel: plan.channel, at: plan.until, reason: plan.reason, detail: plan.detail },
      );
      deps.observe?.({ channel: plan.channel, outcome: 'deferred', reason: plan.reason });
      return;
    }
    const ref = { eventId: event.id, recipientId: plan.recipientId, channel: plan.channel };
    const status = plan.action === 'skip' ? 'skipped' : 'failed';
    await deliveries.set(ref, status, { reason: plan.reason, detail: plan.detail });
    logger.info(`delivery ${status}`, { decision: status, eventId: event.id, recipientId: plan.recipientId, channel: plan.channel, reason: plan.reason });
    deps.observe?.({ channel: plan.channel, outcome: status, reason: plan.reason });
  }

  /** Every delivery that would be sent or batched is recorded as `outcome` instead (a stale or unschedulable event). */
  function settleAllAs(plans: DeliveryPlan[], action: 'skip' | 'fail', reason: string, detail: string): DeliveryPlan[] {
    return plans.map((p) =>
      p.action === 'skip' || p.action === 'fail' ? p : { action, recipientId: p.recipient.recipientId, channel: p.channel, reason, detail },
    );
  }

  /**
   * Resolves, plans, gates and settles an event's deliveries: the part of handling that runs when the
   * event is due (at intake, or later when the schedule store fires it).
   */
  /** Resolves the event's distinct recipients with current profiles and plans every (recipient, channel) pair. */
  async function plan(event: EventV2): Promise<DeliveryPlan[]> {
    const unique = [...new Set(event.recipients)];
    const resolved = await Promise.all(unique.map((r) => resolveRecipient(r, deps.directory, deps.config.channels.webhook)));
    return planDeliveries(event, resolved, deps.config);
  }

  async function deliver(event: EventV2, redelivery: boolean): Promise<number> {
    const now = deps.clock.now();
    const dueAt = dueAtOf(event);
    let plans = await plan(event);
    const maxAge = deps.config.priorities[event.priority].maxAge;
    if (maxAge !== undefined && now - dueAt > maxAge) {
      const age = Math.round((now - dueAt) / 1000);
      plans = settleAllAs(
        plans,
        'skip',
        'stale',
        `the event was ${age} s old when herald got to it, more than priorities.${event.priority}.maxAge (${maxAge / 1000} s); dropped rather than sent late`,
      );
      logger.warn('stale event dropped', { decision: 'skipped', eventId: event.id, priority: event.priority, ageSeconds: age });
    } else {
      plans = await gateDeliveries(event, plans, now, { caps: deps.caps, config: deps.config });
    }
    // At debug: each delivery's outcome has its own info line (sent, skipped, deferred…); this one, per event, said it again.
    logger.debug('event routed', {
      decision: 'routed',
      eventId: event.id,
      priority: event.priority,
      redelivery,
      dispatch: plans.filter((p) => p.action === 'dispatch').length,
      batch: plans.filter((p) => p.action === 'batch').length,
      defer: plans.filter((p) => p.action === 'defer').length,
    });
    // Each channel fans out with its own concurrency, so a slow channel uses only its own slots.
    const byChannel = Map.groupBy(plans, (plan) => plan.channel);
    const settled = (
      await Promise.all([...byChannel].map(([channel, group]) => runLimited(group, deps.config.channels[channel].batchSize, (plan) => settle(event, plan))))
    ).flat();
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    return plans.length;
  }

  async function handleEvent(event: EventV2, marker: string): Promise<HandledEvent> {
    const verdict = await deps.dedup.claim(event.deduplicationKey ?? event.id, marker);
    if (verdict === 'duplicate') {
      logger.info('duplicate event dropped', { decision: 'deduped', eventId: event.id, deduplicationKey: event.deduplicationKey });
      return { verdict, plans: 0 };
    }
    const now = deps.clock.now();
    const dueAt = dueAtOf(event);
    const hasSchedule = event.sendAt !== undefined || event.delay !== undefined;
    if (verdict === 'redelivery' && hasSchedule) {
      // A redelivery of an event the schedule store holds (or held): the store decides, even once it is
      // due, so a cancelled event stays cancelled and a fired one is not delivered a second time.
      const known = await deps.schedule.state(event.id);
      if (known) {
        logger.info('redelivered scheduled event left to the schedule store', { decision: 'deduped', eventId: event.id, state: known.state });
        return { verdict, plans: 0, scheduled: true };
      }
    }
    // Only an explicit sendAt/delay schedules: a producer clock running ahead must not push every event through the store.
    const scheduled = hasSchedule && dueAt > now;
    await deliveries.recordEvent(event.id, {
      type: event.type,
      priority: event.priority,
      createdAt: event.createdAt,
      receivedAt: new Date(now).toISOString(),
      recipients: String(event.recipients.length),
      channels: event.channels.join(','),
      ...(scheduled ? { sendAt: new Date(dueAt).toISOString() } : {}),
      // The event itself, so the verification sweep can re-queue a delivery that got stuck.
      event: JSON.stringify(event),
    });
    if (scheduled && dueAt - now <= deps.config.scheduling.maxHorizon) {
      const outcome = await deps.schedule.add(event, dueAt);
      logger.info('event scheduled', { decision: 'scheduled', eventId: event.id, sendAt: new Date(dueAt).toISOString(), outcome });
      deps.observeScheduled?.({ outcome });
      return { verdict, plans: 0, scheduled: true };
    }
    if (scheduled) {
      const hours = deps.config.scheduling.maxHorizon / 3_600_000;
      const horizon = hours >= 48 ? `${Math.round(hours / 24)} days` : `${Math.round(hours * 10) / 10} hours`;
      const plans = settleAllAs(
        await plan(event),
        'fail',
        'send_at_too_far',
        `sendAt is more than scheduling.maxHorizon (${horizon}) ahead; send it closer to its time or raise the horizon`,
      );
      for (const plan of plans) await settle(event, plan);
      return { verdict, plans: plans.length };
    }
    return { verdict, plans: await deliver(event, verdict === 'redelivery') };
  }

  return Object.assign(handleEvent, {
    /** Delivers an event the schedule store held, now that it is due (dedup already passed at intake). */
    fireScheduled: (event: EventV2) => deliver(event, false).then(() => undefined),
    /** Releases the dedup claim of the message at `marker`, which was dead-lettered unhandled: a re-published copy is then handled. */
    release: (event: EventV2, marker: string) => deps.dedup.release(event.deduplicationKey ?? event.id, marker),
  });
}

/** The event handler, as returned by {@link createEventHandler}. */
export type EventHandler = ReturnType<typeof createEventHandler>;
