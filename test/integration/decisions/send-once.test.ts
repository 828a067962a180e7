import type { HeraldConfigInput } from '../../../src/config/schema';
import type { DeliveryRef } from '../../../src/delivery-state/delivery-store';
import { AddressRejectedError, PermanentError, RetriableError } from '../../../src/shared/errors';
import { decisionRig, type DecisionRig, type RigOptions } from './decision-rig';
import { heldCall, lateAnswer } from './scripted-provider';

/**
 * Send-once (src/dispatch/send-once.ts) on the real ledger and rate limiter, with scripted
 * providers behind their real breakers: leases between workers, fallback, provider pauses, rate
 * limits and calls slower than the breaker timeout. No broker.
 */
describe('send-once: one attempt of one delivery, at most one send', () => {
  let rig: DecisionRig;
  afterEach(() => rig.cleanup());

  const ref: DeliveryRef = { eventId: 'evt-1', recipientId: 'u1', channel: 'sms' };
  const setUp = (config: HeraldConfigInput = {}, options: RigOptions = {}) => (rig = decisionRig(config, options));
  const send = (worker: Pick<DecisionRig, 'sendOnce'> = rig, r = ref) => worker.sendOnce(r, rig.providers.sms, () => rig.message(r));

  it('takes the lease, sends and records sent; any later try, on any worker, is already_sent without a call', async () => {
    setUp();
    expect(await send()).toMatchObject({ outcome: 'sent', provider: 'sms-scripted', attempts: 1 });
    expect(await rig.record('evt-1')).toMatchObject({ status: 'sent', attempts: 1, providerMessageId: 'sms-scripted-1' });
    expect(await send()).toEqual({ outcome: 'already_sent' });
    expect(await send(rig.worker('worker-2'))).toEqual({ outcome: 'already_sent' });
    expect(rig.scripts.sms[0]!.calls).toEqual(['evt-1|u1|sms']);
  });

  it('tells a second worker, and a second try on the same one, that the delivery is in flight while the first is inside the provider call', async () => {
    setUp();
    const held = heldCall();
    rig.scripts.sms[0]!.next(held.step);
    const first = send();
    await held.started;

    const leaseEnd = rig.clock.now() + rig.config.dedup.sendLeaseMs;
    expect(await send(rig.worker('worker-2'))).toEqual({ outcome: 'unavailable', reason: 'in_flight', retryAt: leaseEnd, attempts: 1 });
    expect(await send()).toMatchObject({ outcome: 'unavailable', reason: 'in_flight' });

    held.release();
    expect(await first).toMatchObject({ outcome: 'sent', attempts: 1 });
    expect(await send(rig.worker('worker-2'))).toEqual({ outcome: 'already_sent' });
    expect(rig.scripts.sms[0]!.calls).toHaveLength(1);
  });

  it('lets another worker take over a lease that expired (its worker died after taking it), counting both attempts', async () => {
    setUp();
    // Worker 1 takes the lease as its send-once does, then dies before calling the provider.
    expect(await rig.deliveries.begin(ref, 'sms-scripted')).toMatchObject({ verdict: 'acquired', attempts: 1 });
    const worker2 = rig.worker('worker-2');
    expect(await send(worker2)).toMatchObject({ outcome: 'unavailable', reason: 'in_flight' });

    rig.clock.advance(rig.config.dedup.sendLeaseMs);
    expect(await send(worker2)).toMatchObject({ outcome: 'sent', attempts: 2 });
    expect(await rig.record('evt-1')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(rig.scripts.sms[0]!.calls).toHaveLength(1);
  });

  it('falls back to the next provider on a retriable error, and stops at a permanent one (a bad address is bad everywhere)', async () => {
    setUp({}, { providers: { sms: ['primary', 'secondary'] } });
    const [primary, secondary] = rig.scripts.sms as [DecisionRig['scripts']['sms'][0], DecisionRig['scripts']['sms'][0]];
    primary.next(new RetriableError('primary answered 503', 'http_503'));
    expect(await send()).toMatchObject({ outcome: 'sent', provider: 'secondary', attempts: 1 });
    expect(await rig.record('evt-1')).toMatchObject({ status: 'sent', provider: 'secondary' });

    const other = { ...ref, eventId: 'evt-2' };
    primary.next(new PermanentError('primary refused the number', 'invalid_number'));
    expect(await send(rig, other)).toMatchObject({ outcome: 'failed', provider: 'primary', attempts: 1, error: { code: 'invalid_number' } });
    expect(primary.calls).toEqual(['evt-1|u1|sms', 'evt-2|u1|sms']);
    expect(secondary.calls).toEqual(['evt-1|u1|sms']);
  });

  it("pauses a provider that answered 429 with Retry-After for every worker: another worker's delivery waits without a lease", async () => {
    setUp();
    rig.scripts.sms[0]!.next(new RetriableError('Twilio is rate limiting herald', 'rate_limited', undefined, 30_000));
    expect(await send()).toMatchObject({ outcome: 'failed', error: { code: 'rate_limited' } });

    const other = { ...ref, eventId: 'evt-2' };
    expect(await send(rig.worker('worker-2'), other)).toEqual({ outcome: 'unavailable', reason: 'provider_paused', retryAt: rig.clock.now() + 30_000 });
    expect(await rig.record('evt-2')).toBeNull();
    rig.clock.advance(30_000);
    expect(await send(rig.worker('worker-3'), other)).toMatchObject({ outcome: 'sent' });
    expect(rig.scripts.sms[0]!.calls).toEqual(['evt-1|u1|sms', 'evt-2|u1|sms']);
  });

  it('waits in line for a rate-limit token within maxRateWaitMs', async () => {
    setUp({ channels: { sms: { rateLimit: { perSecond: 20, burst: 1 } } } });
    expect(await send()).toMatchObject({ outcome: 'sent' });
    expect(await send(rig, { ...ref, eventId: 'evt-2' })).toMatchObject({ outcome: 'sent' });
    expect(rig.rateWaits).toEqual([expect.objectContaining({ provider: 'sms-scripted', outcome: 'granted_after_wait' })]);
    expect(rig.rateWaits[0]!.waitedMs).toBeGreaterThan(0);
  });

  it('defers past maxRateWaitMs instead of waiting: unavailable, the lease it took not counted as an attempt', async () => {
    setUp({ channels: { sms: { rateLimit: { perMinute: 1 } } }, retries: { maxRateWaitMs: 1_000 } });
    expect(await send()).toMatchObject({ outcome: 'sent' });
    const deferred = await send(rig, { ...ref, eventId: 'evt-2' });
    expect(deferred).toMatchObject({ outcome: 'unavailable', reason: 'rate_limited', attempts: 0 });
    // One token a minute: the next one is most of a minute away.
    expect(deferred.outcome === 'unavailable' && deferred.retryAt - rig.clock.now()).toBeGreaterThan(50_000);
    expect(rig.rateWaits).toEqual([expect.objectContaining({ outcome: 'deferred', waitedMs: 0 })]);
    expect(rig.scripts.sms[0]!.calls).toEqual(['evt-1|u1|sms']);
  });

  describe('a call slower than the breaker timeout keeps its own outcome (it still counts against the breaker)', () => {
    const slow = { channels: { sms: { breaker: { timeoutMs: 50, volumeThreshold: 1 } } } };

    it('accepted late: sent once, not retried into a duplicate', async () => {
      setUp(slow);
      rig.scripts.sms[0]!.next(lateAnswer(150));
      expect(await send()).toMatchObject({ outcome: 'sent', attempts: 1 });
      expect(await rig.record('evt-1')).toMatchObject({ status: 'sent' });
      expect(rig.providers.sms[0]!.breakerState()).toBe('open');
    });

    it('refused late for good: the permanent error itself, not a retriable timeout', async () => {
      setUp(slow);
      rig.scripts.sms[0]!.next(lateAnswer(150, new AddressRejectedError('the carrier says the number does not exist', 'unknown_number')));
      const outcome = await send();
      expect(outcome).toMatchObject({ outcome: 'failed', error: { code: 'unknown_number', retriable: false } });
      expect(outcome.outcome === 'failed' && outcome.error).toBeInstanceOf(AddressRejectedError);
    });

    it('answered 429 late: its Retry-After still pauses the provider for every worker', async () => {
      setUp(slow);
      rig.scripts.sms[0]!.next(lateAnswer(150, new RetriableError('Twilio is rate limiting herald', 'rate_limited', undefined, 20_000)));
      expect(await send()).toMatchObject({ outcome: 'failed', error: { code: 'rate_limited', retryAfterMs: 20_000 } });
      expect(await rig.limiter.pausedUntil('sms', 'sms-scripted')).toBe(rig.clock.now() + 20_000);
    });
  });
});
