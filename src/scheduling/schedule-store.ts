import type { Clock } from '../shared/clock';
import type { EventV2 } from '../contract/event-v2';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';

/** Where a scheduled event is in its life: held, being fired (claimed for a lease), fired or cancelled. */
export type ScheduleState = 'scheduled' | 'firing' | 'fired' | 'cancelled';

/** What the store holds per event. */
interface ScheduleItem {
  event: EventV2;
  /** Due time, epoch ms. */
  dueAt: number;
  /** When it was stored, epoch ms. */
  scheduledAt: number;
}

/** One event claimed by {@link ScheduleStore.claimDue}. */
export interface ClaimedSchedule {
  event: EventV2;
  /** Due time, epoch ms. */
  dueAt: number;
  /** True when it was claimed before and that lease ran out (its worker died or was too slow). */
  resumed: boolean;
}

/** What {@link createScheduleStore} needs. */
export interface ScheduleStoreOptions {
  redis: RedisClient;
  keys: RedisKeys;
  clock: Clock;
  /**
   * How long an event's state is kept after its last transition, in seconds, so a Kafka redelivery
   * of a fired or cancelled event is recognised. A scheduled event keeps it until its due time plus
   * this. Default 604800 (7 days).
   */
  retentionSeconds?: number;
}

/**
 * The durable store of events held until their due time (event v2 `sendAt` / `delay`). Everything is
 * on one hash tag, `{sched}`: a sorted set of event ids by due time (by lease end while one is being
 * fired), a hash of items, and a state key per event. Every transition is a Lua script on that slot,
 * so a cancel and a claim of the same event never both win.
 */
export interface ScheduleStore {
  /**
   * Holds an event until `dueAt` (epoch ms), once per event id: `exists` when it is already held or
   * being fired; `cancelled` / `fired` when a redelivered event already ended (it is not held again).
   */
  add(event: EventV2, dueAt: number): Promise<'scheduled' | 'exists' | 'cancelled' | 'fired'>;
  /**
   * Claims up to `limit` due events for `leaseMs`, oldest first; one not completed by then is due
   * again and claimed by whichever worker polls next (`resumed: true`).
   */
  claimDue(limit: number, leaseMs: number): Promise<ClaimedSchedule[]>;
  /** Forgets an event that was fired and records it `fired`. */
  complete(eventId: string): Promise<void>;
  /** Cancels an event only while it is `scheduled`; otherwise says why not and changes nothing. */
  cancel(eventId: string): Promise<'cancelled' | 'already_cancelled' | 'firing' | 'fired' | 'unknown'>;
  /** The event's state and, while it is held, its due time; null when unknown (or its retention passed). */
  state(eventId: string): Promise<{ state: string; dueAt?: number } | null>;
  /** Events held, including those being fired. */
  depth(): Promise<number>;
  /**
   * Up to `limit` held events whose due time (or lease end, while being fired) is more than
   * `olderThanMs` in the past: what the sweep fires when no poller did. Oldest first.
   */
  overdue(olderThanMs: number, limit: number): Promise<{ eventId: string; dueAt: number; state: string }[]>;
}

/** Builds the {@link ScheduleStore} on one Redis connection. */
export function createScheduleStore(options: ScheduleStoreOptions): ScheduleStore {
  const { redis, keys, clock } = options;
  const retentionMs = (options.retentionSeconds ?? 7 * 86_400) * 1_000;
  const addScript = loadScript(redis, 'schedule-add', 3);
  const claimScript = loadScript(redis, 'schedule-claim', 2);
  const completeScript = loadScript(redis, 'schedule-complete', 3);
  const cancelScript = loadScript(redis, 'schedule-cancel', 3);
  const due = keys.scheduleDue();
  const items = keys.scheduleItems();
  const eventKeys = (eventId: string) => [due, items, keys.scheduleState(eventId)];
  const parse = (json: string) => JSON.parse(json) as ScheduleItem;

  return {
    async add(event, dueAt) {
      const now = clock.now();
      const item: ScheduleItem = { event, dueAt: Math.round(dueAt), scheduledAt: now };
      return (await addScript(eventKeys(event.id), [event.id, item.dueAt, JSON.stringify(item), now, retentionMs])) as Awaited<
        ReturnType<ScheduleStore['add']>
      >;
    },

    async claimDue(limit, leaseMs) {
      const flat = (await claimScript([due, items], [clock.now(), leaseMs, limit, keys.scheduleState(''), retentionMs])) as (string | number)[];
      const claimed: ClaimedSchedule[] = [];
      for (let i = 0; i + 2 < flat.length; i += 3) {
        const { event, dueAt } = parse(String(flat[i + 1]));
        claimed.push({ event, dueAt, resumed: flat[i + 2] === 1 });
      }
      return claimed;
    },

    async complete(eventId) {
      await completeScript(eventKeys(eventId), [eventId, retentionMs]);
    },

    async cancel(eventId) {
      return (await cancelScript(eventKeys(eventId), [eventId, retentionMs])) as Awaited<ReturnType<ScheduleStore['cancel']>>;
    },

    async state(eventId) {
      // One transaction, so the state and the item are read at the same instant.
      const replies = await redis.multi().get(keys.scheduleState(eventId)).hget(items, eventId).exec();
      const [state, json] = (replies ?? []).map(([error, value]) => {
        if (error) throw error;
        return value as string | null;
      });
      if (!json) return state ? { state } : null;
      return { state: state ?? 'scheduled', dueAt: parse(json).dueAt };
    },

    async depth() {
      return redis.zcard(due);
    },

    async overdue(olderThanMs, limit) {
      const flat = await redis.zrangebyscore(due, '-inf', `(${clock.now() - olderThanMs}`, 'WITHSCORES', 'LIMIT', 0, limit);
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (ids.length === 0) return [];
      const states = await redis.mget(ids.map((id) => keys.scheduleState(id)));
      const held = await redis.hmget(items, ...ids);
      return ids.map((eventId, i) => ({
        eventId,
        dueAt: held[i] ? parse(held[i]!).dueAt : Number(flat[2 * i + 1]),
        state: states[i] ?? 'scheduled',
      }));
    },
  };
}
