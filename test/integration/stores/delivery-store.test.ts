import { createDeliveryStore, deliveryIdOf, refsOfDeliveryId, type DeliveryRef, type DeliveryStore } from '../../../src/delivery-state/delivery-store';
import type { EventV2 } from '../../../src/contract/event-v2';
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
    expect(await store.get(ref)).toMatchObject({
      status: 'sending',
      attempts: 1,
      provider: 'smtp',
      leaseUntil: START + LEASE_MS,
      updatedAt: new Date(START).toISOString(),
    });

    // Another worker (another owner) is refused while the lease lives, and takes it over once it expired.
    const other = createDeliveryStore({
      redis: infra.redis,
      keys,
      clock: { now: () => t },
      retentionSeconds: RETENTION_S,
      leaseMs: LEASE_MS,
      owner: 'worker-b',
    });
    t += LEASE_MS - 1;
    expect(await other.begin(ref, 'smtp')).toEqual({ verdict: 'in_flight', attempts: 1, leaseUntil: START + LEASE_MS });

    t += 2;
    expect(await other.begin(ref, 'smtp-2')).toEqual({ verdict: 'acquired', attempts: 2 });
    expect(await store.get(ref)).toMatchObject({ status: 'sending', attempts: 2, provider: 'smtp-2', leaseUntil: t + LEASE_MS });
  });

  it("refuses another worker's write over a live lease, so its breaker or pause cannot end a send under way", async () => {
    // The chaos run: worker A sends; worker B, its own breaker open, defers the same delivery (a
    // retry item of it) and wrote `deferred` over A's lease; its retry then took a fresh lease and
    // sent the message a second time.
    await (
      await store.open(ref)
    ).published;
    await store.begin(ref, 'smtp');
    const other = createDeliveryStore({
      redis: infra.redis,
      keys,
      clock: { now: () => t },
      retentionSeconds: RETENTION_S,
      leaseMs: LEASE_MS,
      owner: 'worker-b',
    });
    t += 1_000;
    expect(await other.set(ref, 'deferred', { reason: 'breaker_open', nextAttemptAt: new Date(t + 5_000).toISOString() })).toBe(false);
    expect(await store.get(ref)).toMatchObject({ status: 'sending', attempts: 1, leaseUntil: START + LEASE_MS });
    expect(await infra.redis.zscore(keys.inflight(), deliveryIdOf(ref))).not.toBeNull();
    expect(await other.begin(ref, 'smtp')).toMatchObject({ verdict: 'in_flight' });

    // The owner ends its own lease; once a lease has expired, anyone may write.
    expect(await store.set(ref, 'deferred', { reason: 'smtp_transient', nextAttemptAt: new Date(t + 5_000).toISOString() })).toBe(true);
    expect(await other.begin(ref, 'smtp')).toEqual({ verdict: 'acquired', attempts: 2 });
    t += LEASE_MS + 1;
    expect(await store.set(ref, 'deferred', { reason: 'breaker_open' })).toBe(true);
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
    expect(sent).toEqual({
      recipientId: 'u1',
      channel: 'email',
      status: 'sent',
      provider: 'smtp',
      providerMessageId: 'm-1',
      attempts: 1,
      sentAt: new Date(START + 5).toISOString(),
      updatedAt: new Date(START + 5).toISOString(),
    });

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
    // It expires with the deliveries (retention), and values with spaces, JSON and empty strings are kept as given.
    const ttl = await infra.redis.ttl(keys.notificationMeta('evt-1'));
    expect(ttl).toBeGreaterThan(RETENTION_S - 5);
    expect(ttl).toBeLessThanOrEqual(RETENTION_S);
    await store.recordEvent('evt-2', { event: JSON.stringify({ id: 'evt-2', payload: { note: 'a b' } }), channels: '' });
    expect(await infra.redis.hgetall(keys.notificationMeta('evt-2'))).toEqual({ event: '{"id":"evt-2","payload":{"note":"a b"}}', channels: '' });
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
    expect(await store.notification('evt-2')).toMatchObject({
      id: 'evt-2',
      meta: null,
      deliveries: [{ recipientId: 'u1', channel: 'in_app', status: 'sent' }],
    });
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
    expect(await store.get(ref)).toMatchObject({
      status: 'delivered',
      providerMessageId: 'SM1',
      sentAt: new Date(START).toISOString(),
      updatedAt: new Date(START + 3_000).toISOString(),
    });
    expect(await store.begin(ref, 'twilio')).toEqual({ verdict: 'already_sent', attempts: 1 });
    expect(changes.map((c) => c.status)).toEqual(['sent', 'delivered']);
  });

  it('writes sent and delivered in one call for a receiver that confirms at once: both changes, in order; refused like two writes', async () => {
    const inbox: DeliveryRef = { eventId: 'evt-9', recipientId: 'u2', channel: 'in_app' };
    await store.begin(inbox, 'in-app');
    expect(await store.set(inbox, 'sent', { providerMessageId: 'd1', attempts: 1 }, { thenDelivered: { provider: 'in-app' } })).toBe(true);
    expect(await store.get(inbox)).toMatchObject({ status: 'delivered', provider: 'in-app', providerMessageId: 'd1', sentAt: new Date(START).toISOString() });
    expect(await store.get(inbox)).not.toHaveProperty('leaseUntil');
    expect(changes.map((c) => [c.status, c.provider, c.providerMessageId, c.attempts])).toEqual([
      ['sent', 'in-app', 'd1', 1],
      ['delivered', 'in-app', 'd1', 1],
    ]);
    // A retry of the same send after the report: refused, nothing published, still delivered.
    expect(await store.set(inbox, 'sent', { providerMessageId: 'd1' }, { thenDelivered: { provider: 'in-app' } })).toBe(false);
    expect(changes).toHaveLength(2);
    expect(await store.begin(inbox, 'in-app')).toEqual({ verdict: 'already_sent', attempts: 1 });
    // Only a sent is followed by the report: a failure with it set stays a failure.
    const other: DeliveryRef = { eventId: 'evt-9', recipientId: 'u3', channel: 'in_app' };
    await store.begin(other, 'in-app');
    expect(await store.set(other, 'deferred', { reason: 'http_503' }, { thenDelivered: { provider: 'in-app' } })).toBe(true);
    expect((await store.get(other))?.status).toBe('deferred');
    expect(changes.map((c) => c.status)).toEqual(['sent', 'delivered', 'deferred']);
  });

  it('records a failed report with the provider error code, and answers unknown for a message it never sent', async () => {
    await store.begin(ref, 'twilio');
    await store.rememberProviderMessage('twilio', 'SM2', ref);
    await store.set(ref, 'sent', { providerMessageId: 'SM2' });
    expect(await store.applyProviderStatus({ provider: 'twilio', messageId: 'SM2', status: 'failed', errorCode: '30003' })).toBe('applied');
    expect(await store.get(ref)).toMatchObject({ status: 'failed', reason: 'twilio_30003' });
    expect(changes.at(-1)).toMatchObject({
      eventId: 'evt-9',
      recipientId: 'u1',
      channel: 'sms',
      status: 'failed',
      reason: 'twilio_30003',
      providerMessageId: 'SM2',
    });
    expect(await store.applyProviderStatus({ provider: 'twilio', messageId: 'SM-unknown', status: 'delivered' })).toBe('unknown');
  });

  it('open writes pending only for a new delivery and returns before its change is published', async () => {
    let publish: () => void = () => undefined;
    const published: StatusChange[] = [];
    const slowFeed = createDeliveryStore({
      redis: infra.redis,
      keys,
      clock: { now: () => t },
      retentionSeconds: RETENTION_S,
      leaseMs: LEASE_MS,
      onChange: (change) => new Promise<void>((resolve) => (publish = () => (published.push(change), resolve()))),
    });
    const first = await slowFeed.open(ref);
    expect(first.opened).toBe(true);
    // Written and indexed in flight, while the change still waits for the broker.
    expect(await slowFeed.get(ref)).toMatchObject({ status: 'pending' });
    expect(await slowFeed.inflightOlderThan(t, 10)).toEqual([{ deliveryId: deliveryIdOf(ref), since: t }]);
    let settled = false;
    void first.published.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    publish();
    await first.published;
    expect(published.map((c) => c.status)).toEqual(['pending']);

    const again = await slowFeed.open(ref);
    expect(again.opened).toBe(false);
    await again.published;
    expect(published).toHaveLength(1);
  });

  it("open's change that the feed refuses rejects `published`, not the write", async () => {
    const failing = createDeliveryStore({
      redis: infra.redis,
      keys,
      clock: { now: () => t },
      retentionSeconds: RETENTION_S,
      leaseMs: LEASE_MS,
      onChange: async () => Promise.reject(new Error('broker down')),
    });
    const { opened, published } = await failing.open(ref);
    expect(opened).toBe(true);
    await expect(published).rejects.toThrow('broker down');
    expect(await failing.get(ref)).toMatchObject({ status: 'pending' });
  });

  it('a failing change feed rejects the write so the caller retries (the state itself is written)', async () => {
    const failing = createDeliveryStore({
      redis: infra.redis,
      keys,
      clock: { now: () => t },
      retentionSeconds: RETENTION_S,
      leaseMs: LEASE_MS,
      onChange: async () => Promise.reject(new Error('broker down')),
    });
    await expect(failing.set(ref, 'pending')).rejects.toThrow('broker down');
    expect(await failing.get(ref)).toMatchObject({ status: 'pending' });
  });
});

describe('deliveries that ended for good without a send', () => {
  let infra: ReturnType<typeof testRedis>;
  beforeEach(() => (infra = testRedis()));
  afterEach(() => infra.cleanup());

  it.each(['dead-lettered', 'bounced', 'failed', 'skipped'] as const)('answers settled for a %s delivery, so a late retry cannot revive it', async (status) => {
    const store = createDeliveryStore({
      redis: infra.redis,
      keys: createKeys(infra.prefix),
      clock: { now: () => START },
      retentionSeconds: RETENTION_S,
      leaseMs: LEASE_MS,
    });
    const ref: DeliveryRef = { eventId: 'evt-s', recipientId: 'u1', channel: 'email' };
    await store.begin(ref, 'smtp');
    await store.set(ref, status, { reason: 'x', attempts: 1 });
    expect(await store.begin(ref, 'smtp')).toEqual({ verdict: 'settled', attempts: 1 });
    expect(await store.get(ref)).toMatchObject({ status, attempts: 1 });
  });
});

describe('the in-flight index the verification sweep reads', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let t: number;
  let store: DeliveryStore;
  const ref: DeliveryRef = { eventId: 'evt-i', recipientId: 'u1', channel: 'email' };
  const id = deliveryIdOf(ref);
  const scores = async () => Object.fromEntries((await store.inflightOlderThan(Number.MAX_SAFE_INTEGER, 100)).map((e) => [e.deliveryId, e.since]));

  beforeEach(() => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    t = START;
    store = createDeliveryStore({ redis: infra.redis, keys, clock: { now: () => t }, retentionSeconds: RETENTION_S, leaseMs: LEASE_MS });
  });
  afterEach(() => infra.cleanup());

  it('holds a delivery from pending through its lease, and drops it on the first status past in-flight', async () => {
    await store.set(ref, 'pending');
    expect(await scores()).toEqual({ [id]: START });
    t += 1_000;
    await store.begin(ref, 'smtp');
    expect(await scores()).toEqual({ [id]: START });
    await store.set(ref, 'deferred', { reason: 'smtp_transient', nextAttemptAt: new Date(t + 5_000).toISOString() });
    expect(await scores()).toEqual({});
  });

  it.each(['sent', 'failed', 'dead-lettered', 'bounced', 'skipped', 'batched'] as const)('drops a pending delivery once it is %s', async (status) => {
    await store.set(ref, 'pending');
    await store.set(ref, status, { reason: 'x' });
    expect(await scores()).toEqual({});
  });

  it('never indexes a delivery that was not pending', async () => {
    await store.set(ref, 'skipped', { reason: 'opted_out_channel' });
    await store.set({ ...ref, channel: 'sms' }, 'batched');
    expect(await scores()).toEqual({});
  });

  it('a redelivered pending refreshes the score; a refused final write still drops the entry', async () => {
    await store.set(ref, 'pending');
    t += 5_000;
    expect(await store.set(ref, 'pending')).toBe(false);
    expect(await scores()).toEqual({ [id]: START + 5_000 });
    await store.begin(ref, 'smtp');
    await store.set(ref, 'sent');
    // Redelivered after the send: indexed before the refusal (a stale entry the sweep cleans)...
    expect(await store.set(ref, 'pending')).toBe(false);
    expect(await scores()).toEqual({ [id]: START + 5_000 });
    // ...and a late pipeline update, refused as well, drops it since the record is past in-flight.
    expect(await store.set(ref, 'failed', { reason: 'late' })).toBe(false);
    expect(await scores()).toEqual({});
  });

  it('lists the oldest entries up to a cutoff; forgets only an entry not indexed again; touches only indexed ones', async () => {
    const refs = [1, 2, 3].map((n) => ({ ...ref, recipientId: `u${n}` }));
    for (const r of refs) {
      await store.set(r, 'pending');
      t += 1_000;
    }
    expect(await store.inflightOlderThan(START + 1_000, 10)).toEqual([
      { deliveryId: deliveryIdOf(refs[0]!), since: START },
      { deliveryId: deliveryIdOf(refs[1]!), since: START + 1_000 },
    ]);
    expect(await store.inflightOlderThan(START + 5_000, 1)).toEqual([{ deliveryId: deliveryIdOf(refs[0]!), since: START }]);

    expect(await store.forgetInflight(deliveryIdOf(refs[0]!), START - 1)).toBe(false);
    expect(await store.forgetInflight(deliveryIdOf(refs[0]!), START)).toBe(true);
    expect(await store.forgetInflight(deliveryIdOf(refs[1]!))).toBe(true);

    await store.touchInflight(deliveryIdOf(refs[0]!));
    await store.touchInflight(deliveryIdOf(refs[2]!));
    expect(await scores()).toEqual({ [deliveryIdOf(refs[2]!)]: t });
  });

  it('a pending write whose indexing failed rejects (so the event is retried); a final write whose unindexing failed does not', async () => {
    // A key of the wrong type makes every index command fail while the ledger works.
    await infra.redis.set(keys.inflight(), 'not a sorted set');
    await expect(store.set(ref, 'pending')).rejects.toThrow(/WRONGTYPE/);
    expect(await store.get(ref)).toMatchObject({ status: 'pending' });
    // The stale entry would be the sweep's to clean; the send itself is not failed for it.
    expect(await store.set(ref, 'sent')).toBe(true);
    expect(await store.get(ref)).toMatchObject({ status: 'sent' });
  });

  it('eventOf reads the event intake stored in the meta, or null', async () => {
    const event: EventV2 = {
      version: 2,
      id: 'evt-i',
      type: 'alert',
      priority: 'high',
      payload: { title: 'Hi' },
      recipients: ['u1'],
      channels: ['email'],
      createdAt: new Date(START).toISOString(),
    };
    expect(await store.eventOf('evt-i')).toBeNull();
    await store.recordEvent('evt-i', { type: 'alert' });
    expect(await store.eventOf('evt-i')).toBeNull();
    await store.recordEvent('evt-i', { event: JSON.stringify(event) });
    expect(await store.eventOf('evt-i')).toEqual(event);
  });

  it('refsOfDeliveryId gives every reading of an id whose parts hold "|"', () => {
    expect(refsOfDeliveryId('evt-1|u1|sms')).toEqual([{ eventId: 'evt-1', recipientId: 'u1', channel: 'sms' }]);
    expect(refsOfDeliveryId('ord|42|ada|email')).toEqual([
      { eventId: 'ord', recipientId: '42|ada', channel: 'email' },
      { eventId: 'ord|42', recipientId: 'ada', channel: 'email' },
    ]);
    expect(refsOfDeliveryId('nonsense')).toEqual([]);
  });
});
