import type { Clock } from '../shared/clock';
import type { FrequencyCapConfig } from '../config/schema';
import type { Channel, EventType, Priority } from '../contract/vocabulary';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';

/** What of an event a frequency cap looks at. */
export interface CappedEvent {
  id: string;
  type: EventType;
  category?: string;
  priority: Priority;
}

/** The answer of {@link FrequencyCaps.check}: allowed, or denied by the first full cap with its current count. */
export type CapDecision = { allowed: true } | { allowed: false; cap: FrequencyCapConfig; count: number };

/**
 * The caps that apply to one event on one channel, in config order. A cap applies when each of its
 * lists that is given contains the event's value (an event without a category never matches a cap
 * that lists categories: it cannot be shown to belong to them) and the priority does not bypass it.
 */
export function capsFor(caps: readonly FrequencyCapConfig[], event: Omit<CappedEvent, 'id'>, channel: Channel): FrequencyCapConfig[] {
  return caps.filter(
    (cap) =>
      (!cap.types || cap.types.includes(event.type)) &&
      (!cap.categories || (event.category !== undefined && cap.categories.includes(event.category))) &&
      (!cap.channels || cap.channels.includes(channel)) &&
      !cap.bypassPriorities.includes(event.priority),
  );
}

/** What {@link createFrequencyCaps} needs. */
export interface FrequencyCapsOptions {
  redis: RedisClient;
  keys: RedisKeys;
  clock: Clock;
  /** Config `frequencyCaps`. */
  caps: FrequencyCapConfig[];
}

/** Frequency caps per recipient, counted in Redis so every worker shares them. */
export interface FrequencyCaps {
  /**
   * Counts the event against every matching cap of this recipient, atomically: it is counted in all
   * of them or, when one is full, in none. Idempotent per event id, so a retry, a Kafka redelivery or
   * the same event on another channel never counts twice. No matching cap: allowed without Redis.
   */
  check(event: CappedEvent, recipientId: string, channel: Channel): Promise<CapDecision>;
}

/** frequency-cap.lua's reply: `[1]` counted, `[2]` already counted, `[0, capIndex (1-based), count]` denied. */
type CapReply = [status: 0 | 1 | 2, capIndex?: number, count?: number];

/**
 * `loadScript` takes a fixed key count; left undefined, ioredis expects the count as the first
 * argument of each call instead. (A `loadScript` option for this would spare the cast.)
 */
const KEY_COUNT_PER_CALL = undefined as unknown as number;

/**
 * Builds the {@link FrequencyCaps}. Each cap of each recipient is a sliding window: a sorted set of
 * event ids by the time they were counted, all of a recipient's sets on one hash tag so one Lua call
 * checks and counts every matching cap together.
 */
export function createFrequencyCaps(options: FrequencyCapsOptions): FrequencyCaps {
  const { redis, keys, clock, caps } = options;
  // How many caps match varies per event, so the script's key count is given per call as its first
  // argument (ioredis's documented form for a command defined without `numberOfKeys`).
  const run = loadScript(redis, 'frequency-cap', KEY_COUNT_PER_CALL);

  return {
    async check(event, recipientId, channel) {
      const matching = capsFor(caps, event, channel);
      if (matching.length === 0) return { allowed: true };
      const args: (string | number)[] = [clock.now(), event.id];
      for (const cap of matching) args.push(cap.window, cap.max);
      const capKeys = matching.map((cap) => keys.frequencyCap(recipientId, cap.name));
      const reply = (await run([String(capKeys.length), ...capKeys], args)) as CapReply;
      if (reply[0] !== 0) return { allowed: true };
      return { allowed: false, cap: matching[reply[1]! - 1]!, count: reply[2]! };
    },
  };
}
