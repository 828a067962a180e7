import { withBreaker, type GuardedProvider } from '../../../src/channels/circuit-breaker';
import type { OutboundMessage, ProviderMap } from '../../../src/channels/types';
import { parseConfig } from '../../../src/config/load-config';
import type { HeraldConfigInput } from '../../../src/config/schema';
import type { EventV2 } from '../../../src/contract/event-v2';
import { CHANNELS, type Channel } from '../../../src/contract/vocabulary';
import { createDeliveryStore, deliveryIdOf, type DeliveryRef } from '../../../src/delivery-state/delivery-store';
import type { StatusChange } from '../../../src/delivery-state/types';
import { createDispatcher, type RenderFn } from '../../../src/dispatch/dispatch-delivery';
import { createRateLimiter, type RateWait } from '../../../src/dispatch/rate-limiter';
import { createSendOnce } from '../../../src/dispatch/send-once';
import { isResolved, resolveRecipient, type ResolvedRecipient } from '../../../src/recipients/resolve-recipient';
import { createUserDirectory } from '../../../src/recipients/user-directory';
import { userProfileSchema } from '../../../src/recipients/user-profile';
import { createKeys } from '../../../src/redis/keys';
import { createRenderer } from '../../../src/rendering/render';
import { createRetryStore } from '../../../src/retries/retry-store';
import { testLogger, testRedis } from '../../support/infra';
import { outbound } from '../channels/support';
import { manualClock } from '../digests/batching-fixtures';
import { sampleEventV2 } from '../stores/retry-fixtures';
import { recordingDlq, scriptedProvider, type ScriptedProvider } from './scripted-provider';

/** Where every rig's clock starts: a few seconds after the events it builds were created. */
export const START = Date.UTC(2026, 10, 21, 9, 0, 5);

/** What a rig is built with besides the config. */
export interface RigOptions {
  /** Provider ids of each channel, in configured order. Default one, `<channel>-scripted`. */
  providers?: Partial<Record<Channel, string[]>>;
}

/**
 * The decision modules wired as build-pipeline.ts wires them, with no broker: the real stores on
 * real Redis under a random prefix, a clock the test moves, scripted providers behind the real
 * breakers, and the two Kafka ports (the status feed and the DLQ) kept in memory: `changes` holds
 * what the status publisher would have published, `dlq.letters` what the DLQ would hold.
 */
export function decisionRig(input: HeraldConfigInput = {}, options: RigOptions = {}) {
  const config = parseConfig(input);
  const { redis, prefix, cleanup } = testRedis();
  const keys = createKeys(prefix);
  const clock = manualClock(START);
  const logger = testLogger();
  const changes: StatusChange[] = [];
  const rateWaits: RateWait[] = [];
  /** When set and true for a change, publishing it fails as an unreachable status topic would. */
  const feed: { refuse?: (change: StatusChange) => boolean } = {};
  const dlq = recordingDlq();

  const scripts = {} as Record<Channel, ScriptedProvider[]>;
  const providers = {} as Record<Channel, GuardedProvider[]>;
  for (const channel of CHANNELS) {
    scripts[channel] = (options.providers?.[channel] ?? [`${channel}-scripted`]).map((id) => scriptedProvider(channel, id));
    providers[channel] = scripts[channel].map((s) => withBreaker(s.provider, config.channels[channel].breaker, { clock, logger }));
  }

  /** One worker process's own pieces: its ledger client (its lease owner), rate limiter and send-once. */
  function worker(owner: string) {
    const deliveries = createDeliveryStore({
      redis,
      keys,
      clock,
      owner,
      retentionSeconds: config.deliveryState.retentionSeconds,
      leaseMs: config.dedup.sendLeaseMs,
      onChange: async (change) => {
        if (feed.refuse?.(change)) throw new Error(`status topic unreachable: the ${change.status} change of ${change.channel} was not published`);
        changes.push(change);
      },
    });
    const limiter = createRateLimiter({ redis, keys, channels: config.channels, observe: (wait) => void rateWaits.push(wait) });
    const sendOnce = createSendOnce({ deliveries, limiter, clock, logger, leaseMs: config.dedup.sendLeaseMs, maxRateWaitMs: config.retries.maxRateWaitMs });
    return { deliveries, limiter, sendOnce };
  }

  const main = worker('worker-1');
  const retries = createRetryStore({ redis, keys, clock });
  const directory = createUserDirectory({ redis, keys });
  const renderer = createRenderer(config);
  const nextTurn = async (channel: Channel) => redis.incr(keys.roundRobin(channel));
  const render: RenderFn = (input) => renderer.render(input);
  // No jitter (random 0): a backoff is then exactly its floor (the Retry-After, or 0), and a deferral's spread 0.
  const dispatch = createDispatcher({ ...main, providers: providers as ProviderMap, nextTurn, retries, dlq, render, config, clock, logger, random: () => 0 });

  return {
    config,
    redis,
    keys,
    clock,
    logger,
    changes,
    rateWaits,
    feed,
    dlq,
    scripts,
    providers: providers as ProviderMap,
    retries,
    directory,
    render,
    worker,
    ...main,
    dispatch,

    /** Stores a user profile, defaults filled as `PUT /api/users/:id` fills them. */
    putUser: (id: string, profile: Record<string, unknown>) => directory.put(id, userProfileSchema.parse(profile)),

    /** A user resolved as intake resolves it (the user must exist). */
    async recipient(id: string): Promise<ResolvedRecipient> {
      const resolved = await resolveRecipient(id, directory, config.channels.webhook);
      if (!isResolved(resolved)) throw new Error(`test user ${id} does not resolve (${resolved.reason}); put it first`);
      return resolved;
    },

    /** A valid critical alert to `u1` on SMS, created when the rig's clock started, with the overrides. */
    event: (id: string, overrides: Partial<EventV2> = {}): EventV2 => ({
      ...sampleEventV2(id),
      createdAt: new Date(START - 5_000).toISOString(),
      ...overrides,
    }),

    /** A message of one delivery as the dispatcher hands it to a provider (to `u1`'s phone, content as the channel tests use). */
    message: (ref: DeliveryRef): OutboundMessage =>
      outbound(ref.channel, ['+14155550100'], {
        deliveryId: deliveryIdOf(ref),
        idempotencyKey: deliveryIdOf(ref),
        eventId: ref.eventId,
        recipientId: ref.recipientId,
      }),

    /** The record of one delivery of `eventId` to `recipientId` on `channel`. */
    record: (eventId: string, channel: Channel = 'sms', recipientId = 'u1') => main.deliveries.get({ eventId, recipientId, channel }),

    async cleanup(): Promise<void> {
      for (const list of Object.values(providers)) for (const p of list) await p.close?.();
      await cleanup();
    },
  };
}

/** A rig, as returned by {@link decisionRig}. */
export type DecisionRig = ReturnType<typeof decisionRig>;
