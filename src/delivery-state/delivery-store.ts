import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock';
import type { RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import type { DeliveryRef } from './delivery-ref';
import { createDeliveryLedger } from './delivery-ledger';
import { createEventMeta } from './event-meta';
import { createInflightIndex } from './inflight-index';
import { createProviderMessages } from './provider-messages';
import type { DeliveryRecord, StatusChange } from './types';

export { deliveryIdOf, refsOfDeliveryId, type DeliveryRef } from './delivery-ref';
export type { BeginVerdict, ReopenVerdict } from './delivery-ledger';
export type { InflightEntry } from './inflight-index';

/** Options of {@link createDeliveryStore}. */
export interface DeliveryStoreOptions {
  redis: RedisClient;
  keys: RedisKeys;
  clock: Clock;
  retentionSeconds: number;
  leaseMs: number;
  /** This worker process's id, recorded with its leases. Default: a random id. */
  owner?: string;
  /**
   * Called after every status change that was written (not for refused ones, nor for the internal
   * `sending` lease); the service publishes these to `notifications.status`. A rejection propagates,
   * so the caller retries and the change feed stays at least once.
   */
  onChange?: (change: StatusChange) => Promise<void>;
}

/** What a provider status callback did: changed the state, repeated a change already made, or named a message herald does not know. */
export type CallbackVerdict = 'applied' | 'duplicate' | 'unknown';

/**
 * An event's delivery state in Redis, as the pipeline uses it: the send-once ledger
 * (./delivery-ledger.ts), the event's summary and stored event (./event-meta.ts), the in-flight
 * index the sweep reads (./inflight-index.ts) and the provider-message index status callbacks read
 * (./provider-messages.ts), each a structure of its own, on the same Redis and retention.
 */
export function createDeliveryStore(options: DeliveryStoreOptions) {
  const { redis, keys, clock, retentionSeconds } = options;
  const inflight = createInflightIndex({ redis, keys, clock });
  const ledger = createDeliveryLedger({ ...options, owner: options.owner ?? randomUUID(), inflight });
  const meta = createEventMeta({ redis, keys, retentionSeconds });
  const providerMessages = createProviderMessages({ redis, keys, retentionSeconds });
  return {
    ...ledger,
    recordEvent: meta.record,
    eventOf: meta.eventOf,
    inflightOlderThan: inflight.olderThan,
    forgetInflight: inflight.forget,
    touchInflight: inflight.touch,
    rememberProviderMessage: providerMessages.remember,

    /**
     * Applies a provider's report on a sent message (Twilio status callback): `delivered`, or `failed`
     * with the provider's error code. Repeated and out-of-order reports after the first final one are no-ops.
     */
    async applyProviderStatus(update: {
      provider: string;
      messageId: string;
      status: 'delivered' | 'failed' | 'bounced';
      errorCode?: string;
    }): Promise<CallbackVerdict> {
      const ref: DeliveryRef | null = await providerMessages.lookup(update.provider, update.messageId);
      if (!ref) return 'unknown';
      const details = update.errorCode
        ? { reason: `${update.provider}_${update.errorCode}`, detail: `${update.provider} reported error ${update.errorCode}` }
        : {};
      return (await ledger.set(ref, update.status, details, { report: true })) ? 'applied' : 'duplicate';
    },

    /** Everything known about an event, or null when herald never saw it (or it expired). */
    async notification(eventId: string): Promise<{ id: string; meta: Record<string, string> | null; deliveries: DeliveryRecord[] } | null> {
      const [summary, deliveries] = await Promise.all([meta.read(eventId), ledger.all(eventId)]);
      const hasMeta = Object.keys(summary).length > 0;
      if (!hasMeta && deliveries.length === 0) return null;
      return { id: eventId, meta: hasMeta ? summary : null, deliveries };
    },
  };
}

/** The delivery store, as returned by {@link createDeliveryStore}. */
export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
