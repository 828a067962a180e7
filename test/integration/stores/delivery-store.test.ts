import { createDeliveryStore, type DeliveryRef, type DeliveryStore } from '../../../src/delivery-state/delivery-store';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import type { StatusChange } from '../../../src/delivery-state/types';
import { testRedis } from '../../support/infra';

const LEASE_MS = 60_000;
const RETENTION_S = 3_600;
const START = Date.UTC(2026, 0, 31, 9, 0, 0);

describe('delivery store on real Redis', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let t: number;
  let store: DeliveryStore;
  const ref: DeliveryRef = { eventId: 'evt-1', recipientId: 'u1', channel: 'email' };

  beforeEach(() => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    t = START;
    store = createDeliveryStore({ redis: infra.redis, keys, clock: { now: () => t }, retentionSeconds: RETENTION_S, leaseMs: LEASE_MS });
  });
  afterEach(() => infra.cleanup());

  it('acquires the lease once, refuses it while live, and hands it over after expiry', async () => {
    expect(await store.begin(ref, 'smtp')).toEqual({ verdict: 'acquired', attempts: 1 });
    expect(await store.get(ref)).toMatchObject({ status: 'sending', attempts: 1, provider: 'smtp', leaseUntil: START + LEASE_MS, updatedAt: new Date(START).toISOString() });

    // Another worker (another owner) is refused while the lease lives, and takes it over once it expired.
    const other = createDeliveryStore({ redis: infra.redis, keys, clock: { now: () => t }, retentionSeconds: RETENTION_S, leaseMs: LEASE_MS, owner: 'worker-b' });
    t += LEASE_MS - 1;
    expect(await other.begin(ref, 'smtp')).toEqual({ verdict: 'in_flight', attempts: 1, leaseUntil: START + LEASE_MS });

    t += 2;
    expect(await other.begin(ref, 'smtp-2')).toEqual({ verdict: 'acquired', attempts: 2 });
    expect(await store.get(ref)).toMatchObject({ status: 'sending', attempts: 2, provider: 'smtp-2', leaseUntil: t + LEASE_MS });
  });

  it('lets the owner of a live lease take it over (its earlier attempt ended without recording an outcome)', async () => {
    await store.begin(ref, 'smtp');
    t += 1_000;
    expect(await store.begin(ref, 'smtp')).toEqual({ verdict: 'acquired', attempts: 2 });
    expect(await store.get(ref)).toMatchObject({ status: 'sending', leaseUntil: t + LEASE_MS });
    expect((await store.notification('evt-1'))!.deliveries[0]).not.toHaveProperty('owner');
  });

  it('keeps deliveries of one event apart by recipient and channel', async () => {
    await store.begin(ref, 'smtp');
    expect(await store.begin({ ...ref, channel: 'sms' }, 'twilio')).toEqual({ verdict: 'acquired', attempts: 1 });
    expect(await store.begin({ ...ref, recipientId: 'u2' }, 'smtp')).toEqual({ verdict: 'acquired', attempts: 1 });
  });

  it('answers already_sent once sent, and never moves a sent delivery back', async () => {
    await store.begin(ref, 'smtp');
    t += 5;
    expect(await store.set(ref, 'sent', { providerMessageId: 'm-1' })).toBe(true);
    const sent = await store.get(ref);
    expect(sent).toEqual({ recipientId: 'u1', channel: 'email', status: 'sent', provider: 'smtp', providerMessageId: 'm-1', attempts: 1, sentAt: new Date(START + 5).toISOString(), updatedAt: new Date(START + 5).toISOString() });

    t += LEASE_MS * 2;
    expect(await store.begin(ref, 'smtp')).toEqual({ verdict: 'already_sent', attempts: 1 });
    expect(await store.set(ref, 'failed', { reason: 'late', detail: 'a late failure' })).toBe(false);
    expect(await store.set(ref, 'dead-lettered')).toBe(false);
    expect(await store.get(ref)).toEqual(sent);
  });

  it('records a terminal status without a lease for a delivery never begun', async () => {
    expect(await store.set(ref, 'skipped', { reason: 'opted_out_channel', detail: 'the recipient opted out' })).toBe(true);
    expect(await store.get(ref)).toEqual({
      recipientId: 'u1',
      channel: 'email',
      status: 'skipped',
      reason: 'opted_out_channel',
      detail: 'the recipient opted out',
      attempts: 0,
      updatedAt: new Date(START).toISOString(),
    });
  });

  it('clears the lease when a sending delivery fails', async () => {
    await store.begin(ref, 'smtp');
    expect(await store.set(ref, 'failed', { reason: 'permanent', attempts: 1 })).toBe(true);
    const record = await store.get(ref);
    expect(record).toMatchObject({ status: 'failed', reason: 'permanent', attempts: 1 });
    expect(record).not.toHaveProperty('leaseUntil');
  });

  it('recordEvent keeps the first value of each field and adds new ones', async () => {
    await store.recordEvent('evt-1', { type: 'alert', receivedAt: '2026-01-31T09:00:00.000Z' });
    await store.recordEvent('evt-1', { type: 'marketing', receivedAt: '2026-02-01T00:00:00.000Z', recipients: '3' });
    expect(await infra.redis.hgetall(keys.notificationMeta('evt-1'))).toEqual({ type: 'alert', receivedAt: '2026-01-31T09:00:00.000Z', recipients: '3' });
  });

  it('notification() returns the meta and the deliveries sorted, without leases', async () => {
    await store.recordEvent('evt-1', { type: 'alert', priority: 'high' });
    await store.begin({ eventId: 'evt-1', recipientId: 'u2', channel: 'sms' }, 'twilio');
    await store.set({ eventId: 'evt-1', recipientId: 'u1', channel: 'push' }, 'failed', { reason: 'no_address' });
    await store.begin({ eventId: 'evt-1', recipientId: 'u1', channel: 'email' }, 'smtp');

    const view = await store.notification('evt-1');
    expect(view?.id).toBe('evt-1');
    expect(view?.meta).toEqual({ type: 'alert', priority: 'high' });
    expect(view?.deliveries.map((d) => [d.recipientId, d.channel, d.status])).toEqual([
      ['u1', 'email', 'sending'],
      ['u1', 'push', 'failed'],
      ['u2', 'sms', 'sending'],
    ]);
    for (const d of view!.deliveries) expect(d).not.toHaveProperty('leaseUntil');
    // The lease is hidden from the view, not removed from the ledger.
    expect((await store.get(ref))?.leaseUntil).toBe(START + LEASE_MS);
  });

  it('notification() is null for an unknown event, and shows deliveries without meta', async () => {
    expect(await store.notification('nope')).toBeNull();
    await store.set({ eventId: 'evt-2', recipientId: 'u1', channel: 'in_app' }, 'sent');
    expect(await store.notification('evt-2')).toMatchObject({ id: 'evt-2', meta: null, deliveries: [{ recipientId: 'u1', channel: 'in_app', status: 'sent' }] });
  });

  it('applies the retention to the ledger and the meta on every write', async () => {
    const ttls = async () => [await infra.redis.ttl(keys.deliveries('evt-1')), await infra.redis.ttl(keys.notificationMeta('evt-1'))];
    await store.recordEvent('evt-1', { type: 'alert' });
    await store.begin(ref, 'smtp');
    for (const ttl of await ttls()) {
      expect(ttl).toBeGreaterThan(RETENTION_S - 10);
      expect(ttl).toBeLessThanOrEqual(RETENTION_S);
    }
    await infra.redis.expire(keys.deliveries('evt-1'), 5);
    await store.set(ref, 'sent');
    expect(await infra.redis.ttl(keys.deliveries('evt-1'))).toBeGreaterThan(RETENTION_S - 10);
  });
});

describe('delivery states after a send, and provider reports', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let t: number;
  let changes: StatusChange[];
  let store: DeliveryStore;
  const ref: DeliveryRef = { eventId: 'evt-9', recipientId: 'u1', channel: 'sms' };

  beforeEach(() => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    t = START;
    changes = [];
    store = createDeliveryStore({
      redis: infra.redis,
      keys,
      clock: { now: () => t },
      retentionSeconds: RETENTION_S,
      leaseMs: LEASE_MS,
      onChange: async (change) => {
        changes.push(change);
      },
    });
  });
  afterEach(() => infra.cleanup());

  it('writes pending only for a new delivery, so a redelivered event keeps the state it reached', async () => {
    expect(await store.set(ref, 'pending')).toBe(true);
    await store.begin(ref, 'twilio');
    await store.set(ref, 'deferred', { reason: 'http_503', attempts: 1, nextAttemptAt: new Date(START + 2_000).toISOString() });
    expect(await store.set(ref, 'pending')).toBe(false);
    expect(await store.get(ref)).toMatchObject({ status: 'deferred', reason: 'http_503', nextAttemptAt: new Date(START + 2_000).toISOString() });
    // The internal lease is not a published change; the others are, in order.
    expect(changes.map((c) => c.status)).toEqual(['pending', 'deferred']);
  });

  it('moves sent → delivered on a provider report, once; later reports and pipeline updates are refused', async () => {
    await store.begin(ref, 'twilio');
    await store.rememberProviderMessage('twilio', 'SM1', ref);
    await store.set(ref, 'sent', { providerMessageId: 'SM1', attempts: 1 });
    expect(await store.set(ref, 'failed', { reason: 'late pipeline failure' })).toBe(false);
    t += 3_000;
    expect(await store.applyProviderStatus({ provider: 'twilio', messageId: 'SM1', status: 'delivered' })).toBe('applied');
    expect(await store.applyProviderStatus({ provider: 'twilio', messageId: 'SM1', status: 'delivered' })).toBe('duplicate');
    expect(await store.applyProviderStatus({ provider: 'twilio', messageId: 'SM1', status: 'failed', errorCode: '30003' })).toBe('duplicate');
    expect(await store.set(ref, 'sent')).toBe(false);
    expect(await store.get(ref)).toMatchObject({ status: 'delivered', providerMessageId: 'SM1', sentAt: new Date(START).toISOString(), updatedAt: new Date(START + 3_000).toISOString() });
    expect(await store.begin(ref, 'twilio')).toEqual({ verdict: 'already_sent', attempts: 1 });
    expect(changes.map((c) => c.status)).toEqual(['sent', 'delivered']);
  });

  it('records a failed report with the provider error code, and answers unknown for a message it never sent', async () => {
    await store.begin(ref, 'twilio');
    await store.rememberProviderMessage('twilio', 'SM2', ref);
    await store.set(ref, 'sent', { providerMessageId: 'SM2' });
    expect(await store.applyProviderStatus({ provider: 'twilio', messageId: 'SM2', status: 'failed', errorCode: '30003' })).toBe('applied');
    expect(await store.get(ref)).toMatchObject({ status: 'failed', reason: 'twilio_30003' });
    expect(changes.at(-1)).toMatchObject({ eventId: 'evt-9', recipientId: 'u1', channel: 'sms', status: 'failed', reason: 'twilio_30003', providerMessageId: 'SM2' });
    expect(await store.applyProviderStatus({ provider: 'twilio', messageId: 'SM-unknown', status: 'delivered' })).toBe('unknown');
  });

  it('a failing change feed rejects the write so the caller retries (the state itself is written)', async () => {
    const failing = createDeliveryStore({ redis: infra.redis, keys, clock: { now: () => t }, retentionSeconds: RETENTION_S, leaseMs: LEASE_MS, onChange: async () => Promise.reject(new Error('broker down')) });
    await expect(failing.set(ref, 'pending')).rejects.toThrow('broker down');
    expect(await failing.get(ref)).toMatchObject({ status: 'pending' });
  });
});

describe('deliveries that ended for good without a send', () => {
  let infra: ReturnType<typeof testRedis>;
  beforeEach(() => (infra = testRedis()));
  afterEach(() => infra.cleanup());

  it.each(['dead-lettered', 'bounced', 'failed', 'skipped'] as const)('answers settled for a %s delivery, so a late retry cannot revive it', async (status) => {
    const store = createDeliveryStore({ redis: infra.redis, keys: createKeys(infra.prefix), clock: { now: () => START }, retentionSeconds: RETENTION_S, leaseMs: LEASE_MS });
    const ref: DeliveryRef = { eventId: 'evt-s', recipientId: 'u1', channel: 'email' };
    await store.begin(ref, 'smtp');
    await store.set(ref, status, { reason: 'x', attempts: 1 });
    expect(await store.begin(ref, 'smtp')).toEqual({ verdict: 'settled', attempts: 1 });
    expect(await store.get(ref)).toMatchObject({ status, attempts: 1 });
  });
});
