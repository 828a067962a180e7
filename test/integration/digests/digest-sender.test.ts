import type { BatchItem, Claim } from '../../../src/digests/batch-item';
import { createBatchStore, type BatchStore } from '../../../src/digests/batch-store';
import { withBreaker } from '../../../src/channels/circuit-breaker';
import type { ChannelProvider, ProviderMap } from '../../../src/channels/types';
import { parseConfig } from '../../../src/config/load-config';
import { createDeliveryStore } from '../../../src/delivery-state/delivery-store';
import { createRateLimiter } from '../../../src/dispatch/rate-limiter';
import { createDigestSender } from '../../../src/digests/send-digest';
import { createSendOnce } from '../../../src/dispatch/send-once';
import { RetriableError } from '../../../src/shared/errors';
import { createUserDirectory } from '../../../src/recipients/user-directory';
import { userProfileSchema } from '../../../src/recipients/user-profile';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import { createDigestRenderer } from '../../../src/digests/render-digest';
import { testLogger, testRedis } from '../../support/infra';
import { recordingDlq, scriptedProvider, type ScriptedProvider } from '../decisions/scripted-provider';
import { item, manualClock, nextWindow, windowAt } from './batching-fixtures';

const LEASE = 10_000;

describe('digest sender on the send-once ledger', () => {
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let clock: ReturnType<typeof manualClock>;
  let store: BatchStore;
  let email: ScriptedProvider;
  let push: ScriptedProvider;
  let deliveries: ReturnType<typeof createDeliveryStore>;
  let directory: ReturnType<typeof createUserDirectory>;
  let sendDigest: (claim: Claim) => ReturnType<ReturnType<typeof createDigestSender>>;

  const config = parseConfig({
    batching: {
      rules: [
        { name: 'capped', channel: 'email', categories: ['capped'], window: { every: '1m' }, maxItems: 2, overflow: 'summarize' },
        { name: 'parts', channel: 'email', categories: ['parts'], window: { every: '1m' }, maxItems: 2, overflow: 'split' },
        { name: 'push-1m', channel: 'push', window: { every: '1m' } },
      ],
    },
  });

  beforeEach(async () => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    // 09:00 UTC is 14:30 in Kolkata.
    clock = manualClock(Date.UTC(2026, 0, 31, 9, 0, 0));
    store = createBatchStore({ redis: infra.redis, keys, clock, claimLeaseMs: LEASE });
    deliveries = createDeliveryStore({ redis: infra.redis, keys, clock, retentionSeconds: 3_600, leaseMs: 30_000 });
    directory = createUserDirectory({ redis: infra.redis, keys });
    email = scriptedProvider('email');
    push = scriptedProvider('push');
    const guard = (p: ChannelProvider) => withBreaker(p, config.channels[p.channel].breaker, { clock, logger: testLogger() });
    const providers: ProviderMap = { email: [guard(email.provider)], push: [guard(push.provider)], sms: [], in_app: [], webhook: [] };
    const sendOnce = createSendOnce({
      deliveries,
      limiter: createRateLimiter({ redis: infra.redis, keys, channels: config.channels }),
      clock,
      logger: testLogger(),
      leaseMs: 30_000,
      maxRateWaitMs: 0,
    });
    sendDigest = createDigestSender({
      providers,
      sendOnce,
      deliveries,
      directory,
      // Kept in memory: no digest of these tests fails for good.
      dlq: recordingDlq(),
      renderer: createDigestRenderer(config),
      config,
      nextTurn: async (channel) => infra.redis.incr(keys.roundRobin(channel)),
      clock,
      logger: testLogger(),
    });
    await directory.put(
      'u1',
      userProfileSchema.parse({ email: 'u1@example.com', pushTokens: ['tok-1'], timeZone: 'Asia/Kolkata', quietHours: { start: '14:00', end: '15:00' } }),
    );
  });
  afterEach(() => infra.cleanup());

  /** Batches the items (recorded `batched`, as intake does) into the window open now, and claims that window once it ends. */
  async function claimOf(groupKey: string, items: BatchItem[]): Promise<Claim> {
    const end = windowAt(clock.now());
    for (const it of items) {
      await store.add(groupKey, end, it, nextWindow);
      await deliveries.set({ eventId: it.eventId, recipientId: it.recipientId, channel: it.channel }, 'batched');
      clock.advance(1);
    }
    clock.set(end);
    return (await store.claim({ groupKey, windowEnd: end }, 'w1'))!;
  }

  const recordOf = (it: BatchItem) => deliveries.get({ eventId: it.eventId, recipientId: it.recipientId, channel: it.channel });
  const emailItems = (category: string, n: number) =>
    Array.from({ length: n }, (_, i) => item(`${category}-${i + 1}`, { category, rule: category, title: `Title ${i + 1}` }));

  it('summarize: one message listing maxItems and counting the rest, every item marked sent with the digest id', async () => {
    const items = emailItems('capped', 3);
    const claim = await claimOf('capped|u1|email|transactional', items);
    expect(await sendDigest(claim)).toBeUndefined();

    expect(email.accepted.map((m) => m.deliveryId)).toEqual([claim.digestId]);
    const [message] = email.accepted;
    expect(message!.to).toEqual(['u1@example.com']);
    expect(message!.content.subject).toBe('3 new notifications');
    expect(message!.content.text).toBe('- Title 1: text capped-1\n- Title 2: text capped-2\n...and 1 more');
    expect(message!.meta.payload).toEqual({ eventIds: ['capped-1', 'capped-2', 'capped-3'] });
    const records = await Promise.all(items.map(recordOf));
    expect(records.map((r) => [r?.status, r?.digestId])).toEqual(items.map(() => ['sent', claim.digestId]));
    expect(records[2]!.reason).toBe('folded_into_digest');
    expect(records[0]!.reason).toBeUndefined();
  });

  it('split: one message per part; resumed after a failed part, it sends only the parts not sent yet', async () => {
    const items = emailItems('parts', 5);
    const claim = await claimOf('parts|u1|email|transactional', items);
    email.next('accept', new RetriableError('connection reset by the provider', 'provider_unavailable'));
    await expect(sendDigest(claim)).rejects.toThrow(/next flush after the claim lease resumes it/);
    expect(email.calls).toEqual([`${claim.digestId}#1`, `${claim.digestId}#2`]);
    expect((await Promise.all(items.map(recordOf))).map((r) => r?.status)).toEqual(['sent', 'sent', 'batched', 'batched', 'batched']);

    clock.advance(LEASE);
    const resumed = await store.claim(claim, 'w2');
    expect(resumed).toEqual({ ...claim, fencingToken: 2, resumed: true });
    expect(await sendDigest(resumed!)).toBeUndefined();
    expect(email.calls).toEqual(['#1', '#2', '#2', '#3'].map((n) => `${claim.digestId}${n}`));
    expect(email.accepted.map((m) => m.content.subject)).toEqual(['2 new notifications', '2 new notifications', '1 new notification']);
    const records = await Promise.all(items.map(recordOf));
    expect(records.map((r) => [r?.status, r?.digestId])).toEqual(['#1', '#1', '#2', '#2', '#3'].map((n) => ['sent', `${claim.digestId}${n}`]));
  });

  it('sends nothing again when a digest sent before its worker crashed is resumed', async () => {
    const items = emailItems('capped', 2);
    const claim = await claimOf('capped|u1|email|transactional', items);
    await sendDigest(claim); // sent, then the worker died before closing the claim
    clock.advance(LEASE);
    const resumed = await store.claim(claim, 'w2');
    expect(await sendDigest(resumed!)).toBeUndefined();
    expect(email.calls).toEqual([claim.digestId]);
    expect((await Promise.all(items.map(recordOf))).map((r) => r?.status)).toEqual(['sent', 'sent']);
  });

  it("hands a push digest back until the recipient's quiet hours end, unless one of its items may go through them", async () => {
    const normal = [item('p1', { channel: 'push', rule: 'push-1m' }), item('p2', { channel: 'push', rule: 'push-1m', priority: 'low' })];
    const claim = await claimOf('push-1m|u1|push|transactional', normal);
    // 09:01 UTC is 14:31 in Kolkata; quiet hours end at 15:00 there, 09:30 UTC.
    expect(await sendDigest(claim)).toEqual({ postponeUntil: Date.UTC(2026, 0, 31, 9, 30, 0) });
    expect(push.calls).toEqual([]);
    expect((await recordOf(normal[0]!))?.status).toBe('batched');

    const withCritical = [item('p3', { channel: 'push', rule: 'push-1m' }), item('p4', { channel: 'push', rule: 'push-1m', priority: 'critical' })];
    const urgent = await claimOf('push-1m|u1|push|alert', withCritical);
    expect(await sendDigest(urgent)).toBeUndefined();
    expect(push.accepted.map((m) => [m.deliveryId, m.to])).toEqual([[urgent.digestId, ['tok-1']]]);
  });

  it('sends an email digest through quiet hours (email is not a quiet channel by default)', async () => {
    const claim = await claimOf('capped|u1|email|transactional', emailItems('capped', 1));
    expect(await sendDigest(claim)).toBeUndefined();
    expect(email.accepted.map((m) => m.content.subject)).toEqual(['1 new notification']);
  });

  it('marks every item failed, and resolves so the claim closes, when the recipient has no address left', async () => {
    await directory.put('u1', userProfileSchema.parse({ email: 'u1@example.com' }));
    const items = [item('p5', { channel: 'push', rule: 'push-1m' }), item('p6', { channel: 'push', rule: 'push-1m' })];
    const claim = await claimOf('push-1m|u1|push|transactional', items);
    expect(await sendDigest(claim)).toBeUndefined();
    expect(push.calls).toEqual([]);
    const records = await Promise.all(items.map(recordOf));
    expect(records.map((r) => [r?.status, r?.reason, r?.digestId])).toEqual(items.map(() => ['failed', 'no_address', claim.digestId]));
  });
});
