import type { HeraldConfigInput } from '../../../src/config/schema';
import { createBatchDelivery } from '../../../src/digests/batch-delivery';
import { createBatchStore } from '../../../src/digests/batch-store';
import { createDedupStore } from '../../../src/routing/dedup-store';
import { createFrequencyCaps } from '../../../src/routing/frequency-caps';
import { createEventHandler } from '../../../src/routing/handle-event';
import { createScheduleStore } from '../../../src/scheduling/schedule-store';
import { outcomes } from '../worker/time-support';
import { decisionRig, type RigOptions } from './decision-rig';

/**
 * The event handler (src/routing/handle-event.ts) over a {@link decisionRig}, wired as
 * build-pipeline.ts wires it: the real dedup, batch, schedule and frequency-cap stores, and the
 * rig's real dispatcher (not the detaching one: these tests judge decisions, not time limits).
 */
export function eventHandlerRig(config: HeraldConfigInput = {}, options: RigOptions = {}) {
  const rig = decisionRig(config, options);
  const { redis, keys, clock, logger, deliveries } = rig;
  const batches = createBatchStore({ redis, keys, clock, claimLeaseMs: rig.config.batching.claimLeaseMs });
  const schedule = createScheduleStore({ redis, keys, clock, retentionSeconds: rig.config.deliveryState.retentionSeconds });
  const dedup = createDedupStore({ redis, keys, ttlSeconds: rig.config.dedup.ttlSeconds });
  const handle = createEventHandler({
    dedup,
    deliveries,
    directory: rig.directory,
    dispatch: rig.dispatch,
    batch: createBatchDelivery({ store: batches, deliveries, render: rig.render, clock, logger }),
    schedule,
    caps: createFrequencyCaps({ redis, keys, clock, caps: rig.config.frequencyCaps }),
    retries: rig.retries,
    config: rig.config,
    clock,
    logger,
  });

  return {
    ...rig,
    dedup,
    batches,
    schedule,
    handle,
    /** `recipientId|channel` → `status:reason` of every delivery of the event, to judge a whole event at once. */
    outcomes: async (eventId: string) => outcomes(await deliveries.all(eventId)),
  };
}

/** An event-handler rig, as returned by {@link eventHandlerRig}. */
export type EventHandlerRig = ReturnType<typeof eventHandlerRig>;
