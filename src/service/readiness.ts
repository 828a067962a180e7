import type { Clock } from '../shared/clock';
import type { Stall } from '../intake/stalls';
import { within } from '../shared/within';
import type { RedisClient } from '../redis/commands';
import { pingRedis } from '../redis/redis-client';

type Check = { ok: boolean; detail?: string; [more: string]: unknown };

async function check(work: () => Promise<string | undefined>): Promise<Check> {
  try {
    return { ok: true, detail: await within(2_000, work(), 'the check') };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

/** `<topic> partition <p> stuck on offset <o> for <n> s: <error>`, the oldest first, at most three. */
function describeStalls(stuck: Stall[], now: number): string {
  const shown = stuck
    .slice(0, 3)
    .map((s) => `${s.topic} partition ${s.partition} stuck on offset ${s.offset} for ${Math.round((now - s.since) / 1000)} s: ${s.error}`);
  return shown.join('; ') + (stuck.length > 3 ? `; and ${stuck.length - 3} more` : '');
}

/**
 * `/readyz`: ready only when Kafka answers, Redis answers, this worker has actually joined its
 * consumer group (a process that cannot consume must not look healthy to the orchestrator), and
 * none of its partitions has waited on one failing message longer than `kafka.stuckAfterMs`.
 */
export function createReadiness(deps: {
  /** How many brokers answer (src/kafka/cluster-probe.ts); rejects when none does. */
  brokers: () => Promise<number>;
  redis: RedisClient;
  isJoined: () => boolean;
  groupId: string;
  /** Breaker state of every provider, by `channel/provider`. */
  breakers?: () => Record<string, string>;
  /** Retries waiting per channel. */
  retryDepth?: () => Promise<Record<string, number>>;
  /** Messages whose partition has waited on them past `kafka.stuckAfterMs` (src/intake/stalls.ts). */
  stuck?: () => Stall[];
  clock?: Clock;
}) {
  return {
    async readiness() {
      const [kafka, redis] = await Promise.all([
        check(async () => `${await deps.brokers()} broker(s)`),
        // Every master of a cluster, not whichever node a PING would reach.
        check(() => pingRedis(deps.redis)),
      ]);
      const joined = deps.isJoined();
      const checks: Record<string, Check> = {
        kafka,
        redis,
        consumerGroup: { ok: joined, detail: joined ? `joined ${deps.groupId}` : `not joined to ${deps.groupId} yet` },
      };
      // Provider trouble is reported, never made a readiness failure: an orchestrator restarting
      // workers because Twilio is down would stop email and push too.
      if (deps.breakers) {
        const states = deps.breakers();
        const open = Object.entries(states).filter(([, s]) => s !== 'closed');
        checks.providers = {
          ok: true,
          detail: open.length ? `breakers not closed: ${open.map(([n, s]) => `${n} ${s}`).join(', ')}` : `all ${Object.keys(states).length} breakers closed`,
          breakers: states,
        } as Check;
      }
      if (deps.retryDepth) {
        const depth = await deps.retryDepth().catch(() => null);
        if (depth)
          checks.retries = {
            ok: true,
            detail: Object.entries(depth)
              .map(([c, n]) => `${c} ${n}`)
              .join(', '),
            waiting: depth,
          } as Check;
      }
      // A partition held on one message is a worker that does not do its work, whatever else answers.
      const stuck = deps.stuck?.() ?? [];
      if (deps.stuck)
        checks.partitions = {
          ok: stuck.length === 0,
          detail: stuck.length === 0 ? 'no partition waits on a failing message' : describeStalls(stuck, deps.clock?.now() ?? Date.now()),
        };
      return { ready: kafka.ok && redis.ok && joined && stuck.length === 0, checks };
    },
  };
}
