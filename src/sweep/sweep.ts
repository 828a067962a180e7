import type { Clock } from '../shared/clock';
import type { HeraldConfig } from '../config/schema';
import type { EventV2 } from '../contract/event-v2';
import { refsOfDeliveryId, type DeliveryRef, type DeliveryStore, type InflightEntry } from '../delivery-state/delivery-store';
import type { DeliveryRecord } from '../delivery-state/types';
import { retryItemOf, type RetryStore } from '../retries/retry-store';
import { runLimited } from '../shared/run-limited';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { isResolved, resolveRecipient } from '../recipients/resolve-recipient';
import type { UserDirectory } from '../recipients/user-directory';
import type { RedisKeys } from '../redis/keys';
import { createSweepLock, type HeldLock } from './sweep-lock';
import type { RedisClient } from '../redis/commands';

/** What the sweep counts, one metric label each. */
export type SweepItemKind = 'stuck_requeued' | 'stale_index_cleaned' | 'stuck_failed' | 'scheduled_overdue';
/** How one scheduled run ended: it swept, another worker held the lock, or our storage failed. */
export type SweepRunOutcome = 'ran' | 'lock_held' | 'error';

/** Dependencies of {@link createSweep}. */
export interface SweepDeps {
  redis: RedisClient;
  keys: RedisKeys;
  clock: Clock;
  logger: Logger;
  deliveries: DeliveryStore;
  retries: RetryStore;
  directory: UserDirectory;
  config: Pick<HeraldConfig, 'sweep' | 'channels' | 'dedup'>;
  /** This worker's id, stored with the lock so on-call sees who sweeps. */
  owner: string;
  /** Fires scheduled events more than `lateAfterMs` past due (at most `limit`); returns how many. */
  fireOverdueScheduled?: (lateAfterMs: number, limit: number) => Promise<number>;
  /** Counts per run and kind (metrics); called only for non-zero counts. */
  observe?: (kind: SweepItemKind, n: number) => void;
  /** Outcome of each run (metrics). */
  observeRun?: (outcome: SweepRunOutcome) => void;
}

/** What one run did. `ran` is false when another worker held the lock (every count is then 0). */
export interface SweepReport {
  ran: boolean;
  /** Stuck deliveries stored in the retry store. */
  requeued: number;
  /** Index entries of deliveries no longer in flight (or gone), removed. */
  cleaned: number;
  /** Scheduled events fired late by `fireOverdueScheduled`. */
  overdueScheduled: number;
  /** Stuck deliveries marked `failed`: their event JSON expired, or their recipient is unresolvable now. */
  failed: number;
  /** Stuck-looking deliveries left alone: a live send lease, or a retry already waiting for them. */
  left: number;
  /** Entries that failed on our side (Redis); they are looked at again next run. */
  errors: number;
}

type Verdict = 'requeued' | 'cleaned' | 'failed' | 'left';
const IDLE: Omit<SweepReport, 'ran'> = { requeued: 0, cleaned: 0, overdueScheduled: 0, failed: 0, left: 0, errors: 0 };
/** Entries handled at once: a few round trips each, gentle on a Redis shared with the hot path. */
const LANES = 8;
/** Direct addresses are the only entries whose recipient id (`direct:<hash>`) differs from the entry. */
const DIRECT_ENTRY = /^(email|phone|push):/;

/**
 * The verification sweep. A Kafka offset is committed only once each delivery of the event is
 * settled or stored in the retry store, so a delivery still `pending`, or `sending` past its lease,
 * long after its last change was lost on our side (a Redis failover dropped its retry, a bug). One
 * worker at a time (a fenced Redis lock elects it) reads the in-flight index and re-queues such
 * deliveries in the retry store, only if no retry is stored for them: the retry poller then sends
 * them through the send-once ledger, so one that was in fact sent is never sent twice.
 */
export function createSweep(deps: SweepDeps) {
  const { clock, logger, deliveries, config } = deps;
  const { intervalMs, stuckAfterMs, lateAfterMs, batch } = config.sweep;
  const lock = createSweepLock({ redis: deps.redis, keys: deps.keys, name: 'sweep', ttlMs: 3 * intervalMs });
  const webhooks = config.channels.webhook;

  /** The record an index entry stands for, trying each reading of an ambiguous id. */
  async function recordOf(deliveryId: string): Promise<{ ref: DeliveryRef; record: DeliveryRecord } | null> {
    for (const ref of refsOfDeliveryId(deliveryId)) {
      const record = await deliveries.get(ref);
      if (record) return { ref, record };
    }
    return null;
  }

  /** One run's memo of events and of the `recipients` entry behind each recipient id. */
  function runMemo() {
    const events = new Map<string, Promise<EventV2 | null>>();
    const sources = new Map<string, Promise<Map<string, string>>>();
    const directIds = async (event: EventV2) => {
      const byId = new Map<string, string>();
      for (const entry of new Set(event.recipients)) {
        if (DIRECT_ENTRY.test(entry)) byId.set((await resolveRecipient(entry, deps.directory, webhooks)).recipientId, entry);
      }
      return byId;
    };
    return {
      event(eventId: string) {
        if (!events.has(eventId)) events.set(eventId, deliveries.eventOf(eventId));
        return events.get(eventId)!;
      },
      /** User ids and `webhook:` entries are their own recipient id; a direct address is hashed. */
      async sourceOf(event: EventV2, recipientId: string): Promise<string | undefined> {
        if (event.recipients.includes(recipientId)) return recipientId;
        if (!sources.has(event.id)) sources.set(event.id, directIds(event));
        return (await sources.get(event.id)!).get(recipientId);
      },
    };
  }

  async function fail(ref: DeliveryRef, reason: string, detail: string): Promise<Verdict> {
    await deliveries.set(ref, 'failed', { reason, detail });
    logger.warn('stuck delivery failed by the sweep', { decision: 'failed', eventId: ref.eventId, recipientId: ref.recipientId, channel: ref.channel, reason });
    return 'failed';
  }

  /** A stuck delivery whose event expired: failed, unless a retry (it carries its own copy of the event) still waits for it. */
  async function eventGone(entry: InflightEntry, ref: DeliveryRef, stuck: string): Promise<Verdict> {
    if ((await deps.retries.dueAt(ref.channel, entry.deliveryId)) !== null) {
      await deliveries.touchInflight(entry.deliveryId);
      return 'left';
    }
    return fail(ref, 'sweep_event_missing', `${stuck}, and its event is no longer stored (expired with the notification meta), so it cannot be sent again`);
  }

  /** Stores a retry due now for a stuck delivery, unless one is stored already. */
  async function requeue(entry: InflightEntry, ref: DeliveryRef, record: DeliveryRecord, memo: ReturnType<typeof runMemo>): Promise<Verdict> {
    const event = await memo.event(ref.eventId);
    const stuckForMs = clock.now() - entry.since;
    const stuck = `it was still ${record.status} ${Math.round(stuckForMs / 1000)} s after its last change`;
    if (!event) return eventGone(entry, ref, stuck);
    const source = await memo.sourceOf(event, ref.recipientId);
    if (source === undefined) return fail(ref, 'sweep_recipient_missing', `${stuck}, and no entry of the event's recipients resolves to ${ref.recipientId}`);
    const resolved = await resolveRecipient(source, deps.directory, webhooks);
    if (!isResolved(resolved)) return fail(ref, resolved.reason, `${stuck}, and ${resolved.detail}`);
    const now = clock.now();
    const item = retryItemOf(
      event,
      resolved,
      ref.channel,
      record.attempts,
      { code: 'sweep_requeued', message: `${stuck}; re-queued by the verification sweep` },
      now,
    );
    const stored = await deps.retries.schedule(item, now, true);
    await deliveries.touchInflight(entry.deliveryId);
    if (!stored) return 'left';
    logger.warn('stuck delivery re-queued', {
      decision: 'requeued',
      eventId: ref.eventId,
      recipientId: ref.recipientId,
      channel: ref.channel,
      status: record.status,
      attempts: record.attempts,
      stuckForMs,
    });
    return 'requeued';
  }

  async function sweepOne(entry: InflightEntry, memo: ReturnType<typeof runMemo>): Promise<Verdict> {
    const found = await recordOf(entry.deliveryId);
    if (!found || (found.record.status !== 'pending' && found.record.status !== 'sending')) {
      await deliveries.forgetInflight(entry.deliveryId, entry.since);
      return 'cleaned';
    }
    const { ref, record } = found;
    const leaseEnd = record.leaseUntil ?? Date.parse(record.updatedAt) + config.dedup.sendLeaseMs;
    if (record.status === 'sending' && leaseEnd > clock.now()) return 'left';
    return requeue(entry, ref, record, memo);
  }

  /** Fires overdue scheduled events, while this worker still holds the lock. */
  async function fireOverdue(held: HeldLock): Promise<{ fired: number; error: boolean }> {
    if (!deps.fireOverdueScheduled) return { fired: 0, error: false };
    if (!(await lock.renew(held))) {
      logger.warn('sweep lock expired during the run; overdue scheduled events are left to the next holder', { token: held.token });
      return { fired: 0, error: false };
    }
    try {
      return { fired: await deps.fireOverdueScheduled(lateAfterMs, batch), error: false };
    } catch (error) {
      logger.error('sweep could not fire overdue scheduled events; the next run tries again', { error: describeError(error) });
      return { fired: 0, error: true };
    }
  }

  async function sweepUnder(held: HeldLock): Promise<SweepReport> {
    const started = clock.now();
    const entries = await deliveries.inflightOlderThan(started - stuckAfterMs, batch);
    const memo = runMemo();
    const settled = await runLimited(entries, LANES, (entry) => sweepOne(entry, memo));
    const report: SweepReport = { ran: true, ...IDLE };
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') report[s.value] += 1;
      else {
        report.errors += 1;
        logger.error('sweep could not check a delivery; the next run looks again', { deliveryId: entries[i]!.deliveryId, error: describeError(s.reason) });
      }
    });
    const overdue = await fireOverdue(held);
    report.overdueScheduled = overdue.fired;
    if (overdue.error) report.errors += 1;
    const counts: [SweepItemKind, number][] = [
      ['stuck_requeued', report.requeued],
      ['stale_index_cleaned', report.cleaned],
      ['stuck_failed', report.failed],
      ['scheduled_overdue', report.overdueScheduled],
    ];
    for (const [kind, n] of counts) if (n > 0) deps.observe?.(kind, n);
    const { requeued, cleaned, failed, left, overdueScheduled, errors } = report;
    logger.info('verification sweep done', {
      decision: 'swept',
      token: held.token,
      checked: entries.length,
      requeued,
      cleaned,
      failed,
      left,
      overdueScheduled,
      errors,
      ms: clock.now() - started,
    });
    return report;
  }

  /** One run, if this worker gets the lock. Rejects only when our storage fails (the lock is released all the same). */
  async function runOnce(): Promise<SweepReport> {
    const held = await lock.acquire(deps.owner);
    if (!held) {
      deps.observeRun?.('lock_held');
      logger.debug('verification sweep skipped: another worker holds the lock', { owner: deps.owner });
      return { ran: false, ...IDLE };
    }
    try {
      const report = await sweepUnder(held);
      deps.observeRun?.('ran');
      return report;
    } catch (error) {
      deps.observeRun?.('error');
      throw error;
    } finally {
      await lock
        .release(held)
        .catch((error: unknown) => logger.warn('sweep could not release its lock; it expires on its own', { error: describeError(error) }));
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | null = null;
  let running = false;

  function tick(): void {
    current = runOnce()
      .then(
        () => undefined,
        (error: unknown) => void logger.error('verification sweep failed; it runs again next interval', { error: describeError(error) }),
      )
      .finally(() => {
        current = null;
        if (running) timer = setTimeout(tick, intervalMs);
      });
  }

  return {
    runOnce,
    /** Runs every `sweep.intervalMs`, the first time one interval from now. */
    start(): void {
      if (running) return;
      running = true;
      timer = setTimeout(tick, intervalMs);
    },
    /** Stops the timer and waits for a run in progress to end. */
    async stop(): Promise<void> {
      running = false;
      clearTimeout(timer);
      await current;
    },
  };
}

/** The sweep, as returned by {@link createSweep}. */
export type Sweep = ReturnType<typeof createSweep>;
