import type { Clock } from '../shared/clock';
import type { HeraldConfig } from '../config/schema';
import type { EventV2 } from '../contract/event-v2';
import { runLimited } from '../shared/run-limited';
import { sleep } from '../shared/sleep';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { ClaimedSchedule, ScheduleStore } from './schedule-store';

/** Most scheduled events one poller fires at once. */
const FIRE_CONCURRENCY = 10;

/** Dependencies of {@link createSchedulePoller}. */
export interface SchedulePollerDeps {
  store: ScheduleStore;
  /**
   * Sends a due event on through the pipeline. Resolving means it is safely handed on; it may run
   * twice for one event (a lease that ran out mid-fire), so it must be idempotent per event id.
   */
  fire: (event: EventV2) => Promise<void>;
  /** Config `scheduling`. */
  config: Pick<HeraldConfig['scheduling'], 'pollIntervalMs' | 'claimLeaseMs' | 'claimBatch'>;
  clock: Clock;
  logger: Logger;
  /** Waits between empty polls. Default a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** A polling loop that fires scheduled events when they are due. */
export interface SchedulePoller {
  /** Starts polling every `pollIntervalMs` while nothing is due, back to back while events are. */
  start(): void;
  /** Stops claiming and waits for the events in hand to be fired (the service bounds the wait). */
  stop(): Promise<void>;
  /** Claims the due events once, fires them and completes those fired; resolves to how many it claimed. */
  pollOnce(): Promise<number>;
}

/**
 * Every worker polls the schedule store: it claims due events for a lease (so a crashed worker's
 * claims come back to another), fires each with bounded concurrency, and completes the ones whose
 * fire resolved. A fire that fails is left claimed; when the lease runs out the event is due again
 * and fired again, never dropped.
 */
export function createSchedulePoller(deps: SchedulePollerDeps): SchedulePoller {
  const { store, config, clock, logger } = deps;
  const wait = deps.sleep ?? sleep;
  let running = false;
  let loop: Promise<void> = Promise.resolve();

  async function fireOne({ event, dueAt, resumed }: ClaimedSchedule): Promise<void> {
    if (resumed) {
      logger.warn('scheduled event claimed again: the worker that claimed it did not complete it within the lease', {
        eventId: event.id,
        dueAt: new Date(dueAt).toISOString(),
      });
    }
    await deps.fire(event);
    await store.complete(event.id);
    logger.info('scheduled event fired', {
      decision: 'fired',
      eventId: event.id,
      type: event.type,
      dueAt: new Date(dueAt).toISOString(),
      lateMs: Math.max(0, clock.now() - dueAt),
    });
  }

  async function pollOnce(): Promise<number> {
    const claimed = await store.claimDue(config.claimBatch, config.claimLeaseMs);
    const settled = await runLimited(claimed, FIRE_CONCURRENCY, fireOne);
    settled.forEach((s, i) => {
      if (s.status === 'rejected') {
        logger.error(
          `firing a scheduled event failed; it is fired again once its claim lease (scheduling.claimLeaseMs = ${config.claimLeaseMs} ms) runs out. If it ` +
            `keeps failing, check the error`,
          {
            eventId: claimed[i]!.event.id,
            error: describeError(s.reason),
          },
        );
      }
    });
    return claimed.length;
  }

  async function run(): Promise<void> {
    while (running) {
      let claimed = 0;
      try {
        claimed = await pollOnce();
      } catch (error) {
        logger.error('cannot read the schedule store; will poll again (check that Redis is reachable)', { error: describeError(error) });
      }
      if (claimed === 0 && running) await wait(config.pollIntervalMs);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      await loop;
    },
    pollOnce,
  };
}
