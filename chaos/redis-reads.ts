/**
 * What the run writes to and reads from the workers' Redis: the users, the in-app inboxes (the
 * in-app provider's sink) and the recorded state of deliveries. One command per key, side by side,
 * so it works the same on one Redis and on a cluster (a cluster pipeline may hold one node's keys only).
 */
import type { RedisClient } from '../src/redis/commands';
import type { RedisKeys } from '../src/redis/keys';
import type { Arrival, DeliveryLetter } from './reconcile';
import type { ChaosUser, PlannedEvent } from './workload';

async function each<T>(items: readonly T[], command: (item: T) => Promise<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i += 200) out.push(...(await Promise.all(items.slice(i, i + 200).map(command))));
  return out;
}

export function createRedisReads(redis: RedisClient, keys: RedisKeys, users: readonly ChaosUser[]) {
  return {
    /** Writes every user's profile to the directory, as PUT /api/users/:id stores it. */
    async seedUsers(): Promise<void> {
      await each(users, (u) => redis.set(keys.user(u.id), JSON.stringify(u.profile)));
    },

    /** Every in-app entry of every inbox, timed by when its delivery id was pushed. */
    async inboxArrivals(): Promise<Arrival[]> {
      const lists = (await each(users, (u) => redis.lrange(keys.inbox(u.id), 0, -1))) as string[][];
      const scored = (await each(users, (u) => redis.zrangebyscore(keys.inboxDelivered(u.id), '-inf', '+inf', 'WITHSCORES'))) as string[][];
      return users.flatMap((u, i) => {
        const times = new Map<string, number>();
        const pairs = scored[i] ?? [];
        for (let j = 0; j < pairs.length; j += 2) times.set(pairs[j]!, Number(pairs[j + 1]));
        return (lists[i] ?? []).map((raw) => {
          const entry = JSON.parse(raw) as { id: string; eventId: string };
          return { channel: 'in_app', eventId: entry.eventId, address: u.id, at: times.get(entry.id) ?? Date.now() };
        });
      });
    },

    /**
     * The recorded `status:reason` of deliveries to bad addresses that have no dead letter, when they
     * ended for good (a push to pruned tokens ends `bounced`, later ones `failed: no_address`).
     */
    async endedWithoutLetter(planned: readonly PlannedEvent[], letters: readonly DeliveryLetter[]): Promise<Map<string, string>> {
      const lettered = new Set(letters.map((l) => `${l.eventId}|${l.recipientId}|${l.channel}`));
      const wanted = planned.flatMap(({ event, expected }) =>
        [...expected].filter(([field, e]) => e.outcome === 'dlq' && !lettered.has(`${event.id}|${field}`)).map(([field]) => ({ eventId: event.id, field })),
      );
      const records = (await each(wanted, (w) => redis.hget(keys.deliveries(w.eventId), w.field))) as (string | null)[];
      const out = new Map<string, string>();
      wanted.forEach((w, i) => {
        const record = records[i] ? (JSON.parse(records[i]!) as { status: string; reason?: string }) : null;
        if (record && ['bounced', 'failed', 'dead-lettered'].includes(record.status))
          out.set(`${w.eventId}|${w.field}`, `${record.status}:${record.reason ?? '?'}`);
      });
      return out;
    },
  };
}
