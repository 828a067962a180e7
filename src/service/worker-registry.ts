import type { BreakerState } from '../channels/circuit-breaker';
import type { Clock } from '../shared/clock';
import { describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { RedisKeys } from '../redis/keys';
import type { RedisClient } from '../redis/commands';

/** One provider's breaker as a worker reports it. */
export interface BreakerReport {
  channel: string;
  provider: string;
  state: BreakerState;
  /** ISO instant of the last change of state this worker saw (its start when none). */
  since: string;
  /** ISO instant the open breaker lets a trial call through. */
  trialAt?: string;
}

/** A worker's heartbeat in the registry. */
export interface WorkerReport {
  owner: string;
  host: string;
  pid: number;
  groupId: string;
  url: string;
  startedAt: string;
  seenAt: string;
  breakers: BreakerReport[];
}

/** Heartbeats older than this many intervals mean the worker is gone. */
export const STALE_AFTER_BEATS = 3;

/**
 * Each worker writes a heartbeat with its circuit breakers' states to one Redis hash, every
 * `intervalMs`. Breakers live in each worker's memory (opossum), so this is how `herald breakers`
 * sees all of them from anywhere without reaching every worker's HTTP port. A worker removes its
 * entry when it stops; a killed one's entry goes stale and is shown as gone.
 */
export function createWorkerRegistry(options: {
  redis: RedisClient;
  keys: RedisKeys;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  identity: Omit<WorkerReport, 'seenAt' | 'breakers' | 'startedAt'>;
  breakers: () => BreakerReport[];
}) {
  const { redis, keys, clock } = options;
  const startedAt = new Date(clock.now()).toISOString();
  let timer: NodeJS.Timeout | null = null;
  let failing = false;

  async function beat(): Promise<void> {
    const report: WorkerReport = { ...options.identity, startedAt, seenAt: new Date(clock.now()).toISOString(), breakers: options.breakers() };
    try {
      await redis.hset(keys.workers(), options.identity.owner, JSON.stringify(report));
      // Entries of workers gone for a day go with the hash when no worker is left to refresh it.
      await redis.expire(keys.workers(), 86_400);
      failing = false;
    } catch (error) {
      // A missed heartbeat only makes `herald breakers` show this worker as stale; say so once.
      if (!failing) options.logger.warn('worker heartbeat not written; herald breakers may show this worker as gone', { error: describeError(error) });
      failing = true;
    }
  }

  return {
    /** Writes a heartbeat now and then every interval. */
    async start(): Promise<void> {
      await beat();
      timer = setInterval(() => void beat(), options.intervalMs);
      timer.unref();
    },
    /** Writes a heartbeat now (a breaker changed state). */
    beat,
    /** Stops the heartbeats and removes this worker's entry. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await redis.hdel(keys.workers(), options.identity.owner).catch(() => undefined);
    },
  };
}

/** Every worker's last heartbeat, newest first; `stale` when older than {@link STALE_AFTER_BEATS} intervals. */
export async function readWorkerReports(redis: RedisClient, keys: RedisKeys, now: number, intervalMs: number): Promise<(WorkerReport & { stale: boolean })[]> {
  const entries = await redis.hgetall(keys.workers());
  return Object.values(entries)
    .map((raw) => JSON.parse(raw) as WorkerReport)
    .map((r) => ({ ...r, stale: now - Date.parse(r.seenAt) > STALE_AFTER_BEATS * intervalMs }))
    .sort((a, b) => b.seenAt.localeCompare(a.seenAt));
}
