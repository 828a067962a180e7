import type { Clock } from '../shared/clock';
import type { DeliveryStatus } from '../contract/vocabulary';
import { loadScript, type RedisClient } from '../redis/commands';
import type { RedisKeys } from '../redis/keys';
import { deliveryIdOf, ledgerField, type DeliveryRef } from './delivery-ref';
import { IN_FLIGHT, type InflightIndex } from './inflight-index';
import type { DeliveryRecord, StatusChange } from './types';

/** Outcome of asking for the send lease. */
export type BeginVerdict = {
  verdict: 'acquired' | 'already_sent' | 'settled' | 'in_flight';
  attempts: number;
  /** Epoch ms the other worker's lease ends, when `in_flight`. */ leaseUntil?: number;
};

/** What {@link DeliveryLedger.reopen} found: see delivery-reopen.lua. */
export interface ReopenVerdict {
  verdict: 'reopened' | 'unknown' | 'already_sent' | 'skipped' | 'in_progress' | 'not_dead_lettered';
  attempts: number;
}

/** What the ledger needs. */
export interface DeliveryLedgerOptions {
  redis: RedisClient;
  keys: RedisKeys;
  clock: Clock;
  retentionSeconds: number;
  leaseMs: number;
  /** This worker process's id, recorded with its leases. */
  owner: string;
  inflight: InflightIndex;
  /** Called after every status change written (not refused ones, not the internal `sending` lease). */
  onChange?: (change: StatusChange) => Promise<void>;
}

type Details = Partial<Omit<DeliveryRecord, 'status' | 'updatedAt'>>;

/**
 * The send-once ledger: one hash per event, one record per recipient and channel, every transition
 * a Lua script (begin: the send lease; update: a status; reopen: a replay). It is what the
 * dispatcher consults before every provider call, and what `GET /api/notifications/:id` shows.
 */
export function createDeliveryLedger(options: DeliveryLedgerOptions) {
  const { redis, keys, clock, retentionSeconds, owner, inflight } = options;
  const begin = loadScript(redis, 'delivery-begin', 1);
  const update = loadScript(redis, 'delivery-update', 1);
  const reopen = loadScript(redis, 'delivery-reopen', 1);
  const iso = () => new Date(clock.now()).toISOString();

  /** How a write is made: `report`, a provider's report on a sent message; `thenDelivered`, a receiver's confirmation written with the `sent` in one call. */
  type How = { report?: boolean; thenDelivered?: Details };

  /**
   * Writes a status (and details) and returns the changes to publish, none when the change was
   * refused: `pending` over an existing record; after `sent`, anything but `sent` or one provider
   * report (`how.report`: delivered/failed/bounced); anything after that report. With
   * `how.thenDelivered`, a `sent` is followed by `delivered` in the same script call (two changes,
   * in that order): one round trip and one record write instead of two for a receiver that confirms
   * at once (the in-app inbox).
   */
  async function write(ref: DeliveryRef, status: DeliveryStatus, details: Details, how: How): Promise<{ changes: StatusChange[]; leaving: Promise<void> }> {
    const at = iso();
    const patch = { recipientId: ref.recipientId, channel: ref.channel, ...details, status, updatedAt: at };
    const then = how.thenDelivered && status === 'sent' ? JSON.stringify({ ...how.thenDelivered, status: 'delivered', updatedAt: at }) : '';
    const script = () =>
      update(
        [keys.deliveries(ref.eventId)],
        [ledgerField(ref), JSON.stringify(patch), retentionSeconds, how.report ? '1' : '0', clock.now(), owner, then],
      ) as Promise<string | null>;
    const written = IN_FLIGHT.has(status) ? await inflight.indexedWrite(ref, script) : await script();
    // Another worker is sending it under a live lease: the delivery stays in flight, its outcome is that worker's to write.
    if (written === 'leased') return { changes: [], leaving: Promise.resolve() };
    // Any other status, written or refused (refused means sent already), ends the delivery's flight;
    // only after the write landed, so a failed write leaves the delivery where the sweep finds it.
    const leaving = IN_FLIGHT.has(status) ? Promise.resolve() : inflight.forgetQuietly(deliveryIdOf(ref));
    if (!written) return { changes: [], leaving };
    const record = JSON.parse(written) as DeliveryRecord;
    const { attempts, provider, providerMessageId, nextAttemptAt } = record;
    const change: StatusChange = { ...ref, status, attempts, provider, providerMessageId, reason: details.reason, detail: details.detail, nextAttemptAt, at };
    if (!then || record.status !== 'delivered') return { changes: [change], leaving };
    return { changes: [change, { ...ref, status: 'delivered', attempts, provider, providerMessageId, at }], leaving };
  }

  /**
   * Sets the status (and details) of a delivery and publishes the change (with `how.thenDelivered`,
   * both). Returns false when the change was refused (see {@link write}).
   */
  async function set(ref: DeliveryRef, status: DeliveryStatus, details: Details = {}, how: How = {}): Promise<boolean> {
    const { changes, leaving } = await write(ref, status, details, how);
    try {
      // Both handed over in this turn, in order (the status publisher keeps the order it is called in), so they share a request.
      if (options.onChange && status !== 'sending') await Promise.all(changes.map((change) => options.onChange!(change)));
    } finally {
      await leaving;
    }
    return changes.length > 0;
  }

  return {
    /** Takes the send lease unless the delivery was sent already, ended for good (`settled`), or another worker is sending it. */
    async begin(ref: DeliveryRef, provider: string): Promise<BeginVerdict> {
      const base = JSON.stringify({ recipientId: ref.recipientId, channel: ref.channel, provider });
      const reply = (await begin([keys.deliveries(ref.eventId)], [ledgerField(ref), clock.now(), options.leaseMs, base, retentionSeconds, iso(), owner])) as [
        BeginVerdict['verdict'],
        number,
        number?,
      ];
      const [verdict, attempts, leaseUntil] = reply;
      return verdict === 'in_flight' ? { verdict, attempts: Number(attempts), leaseUntil: Number(leaseUntil) } : { verdict, attempts: Number(attempts) };
    },

    set,

    /**
     * Records a new delivery as `pending` (never over an existing record: a redelivered event keeps
     * the state its deliveries reached) and returns once it is written, without waiting for its
     * change to reach the status topic: `published` says when it did (or that it failed). The caller
     * sends meanwhile and awaits `published` before its offset may be committed, so the send does
     * not wait a status round trip and the change feed stays at least once.
     */
    async open(ref: DeliveryRef): Promise<{ opened: boolean; published: Promise<void> }> {
      const [change] = (await write(ref, 'pending', {}, {})).changes;
      if (!change || !options.onChange) return { opened: change !== undefined, published: Promise.resolve() };
      const published = options.onChange(change);
      // Awaited by the caller after its send; this keeps a failure from counting as unhandled until then.
      published.catch(() => undefined);
      return { opened: true, published };
    },

    /**
     * Gives a delivery herald recorded as dead-lettered (or bounced) another try: back to `pending`,
     * its attempts kept, indexed in flight so the sweep recovers it if the retry that follows is lost.
     * A sent delivery is never reopened, nor one with no record (see delivery-reopen.lua).
     */
    async reopen(ref: DeliveryRef): Promise<ReopenVerdict> {
      const run = () => reopen([keys.deliveries(ref.eventId)], [ledgerField(ref), retentionSeconds, iso()]) as Promise<[ReopenVerdict['verdict'], number]>;
      const [verdict, total] = await inflight.indexedWrite(ref, run);
      // Only a reopened delivery is in flight; the index entry of any other is dropped again.
      if (verdict !== 'reopened' && verdict !== 'in_progress') await inflight.forgetQuietly(deliveryIdOf(ref));
      if (verdict === 'reopened') await options.onChange?.({ ...ref, status: 'pending', attempts: Number(total), reason: 'replayed', at: iso() });
      return { verdict, attempts: Number(total) };
    },

    /** One delivery's record, or null. */
    async get(ref: DeliveryRef): Promise<DeliveryRecord | null> {
      const raw = await redis.hget(keys.deliveries(ref.eventId), ledgerField(ref));
      return raw ? (JSON.parse(raw) as DeliveryRecord) : null;
    },

    /** Every record of an event, sorted by recipient and channel, without the lease's internals. */
    async all(eventId: string): Promise<DeliveryRecord[]> {
      const records = Object.values(await redis.hgetall(keys.deliveries(eventId))).map((raw) => JSON.parse(raw) as DeliveryRecord);
      records.sort((a, b) => a.recipientId.localeCompare(b.recipientId) || a.channel.localeCompare(b.channel));
      for (const r of records) {
        delete r.leaseUntil;
        delete (r as { owner?: string }).owner;
      }
      return records;
    },
  };
}

/** The ledger, as returned by {@link createDeliveryLedger}. */
export type DeliveryLedger = ReturnType<typeof createDeliveryLedger>;
