import type { HeraldConfigInput } from '../../../src/config/schema';
import type { DeadLetter } from '../../../src/dlq/dlq-publisher';
import { AddressRejectedError, PermanentError, RetriableError } from '../../../src/shared/errors';
import { decisionRig, type DecisionRig, type RigOptions } from './decision-rig';
import { heldCall, lateAnswer } from './scripted-provider';

/**
 * The dispatcher and its failure handler (src/dispatch/dispatch-delivery.ts, handle-failure.ts) on
 * the real ledger, retry store and renderer: what one try of a delivery becomes. No broker: the
 * status feed and the DLQ are kept in memory by the rig.
 */
describe('dispatch: what one try of a delivery becomes', () => {
  let rig: DecisionRig;
  afterEach(() => rig.cleanup());

  async function setUp(config: HeraldConfigInput = {}, options: RigOptions = {}) {
    rig = decisionRig(config, options);
    await rig.putUser('u1', { phone: '+14155550100' });
  }
  const dispatch = async (eventId: string, overrides = {}) => rig.dispatch(rig.event(eventId, overrides), await rig.recipient('u1'), 'sms');
  const retryDue = (eventId: string) => rig.retries.dueAt('sms', `${eventId}|u1|sms`);
  const deliveryLetter = (letter: DeadLetter | undefined) => (letter?.kind === 'delivery_failed' ? letter : undefined);

  it('sends the rendered message to the current address and records sent', async () => {
    await setUp();
    expect(await dispatch('evt-1')).toBe('sent');
    const [message] = rig.scripts.sms[0]!.accepted;
    expect(message).toMatchObject({ deliveryId: 'evt-1|u1|sms', to: ['+14155550100'], content: { text: 'db-1 is at 97%' } });
    expect(rig.changes.map((c) => [c.status, c.attempts])).toEqual([['sent', 1]]);
    expect(rig.dlq.letters).toEqual([]);
  });

  it('defers a retriable failure to the retry store no sooner than its Retry-After, even past maxDelayMs, counting the attempt', async () => {
    await setUp({ channels: { sms: { retry: { baseDelayMs: 1_000, maxDelayMs: 60_000 } } } });
    rig.scripts.sms[0]!.next(new RetriableError('Twilio asked herald to wait', 'rate_limited', undefined, 600_000));
    expect(await dispatch('evt-1')).toBe('deferred');
    expect(await retryDue('evt-1')).toBe(rig.clock.now() + 600_000);
    expect(await rig.record('evt-1')).toMatchObject({
      status: 'deferred',
      attempts: 1,
      reason: 'rate_limited',
      nextAttemptAt: new Date(rig.clock.now() + 600_000).toISOString(),
    });

    rig.clock.advance(600_000);
    rig.scripts.sms[0]!.next(new RetriableError('Twilio answered 503', 'http_503'));
    expect(await dispatch('evt-1')).toBe('deferred');
    const [item] = await rig.retries.claimDue('sms', 10, 1_000);
    expect(item).toMatchObject({ deliveryId: 'evt-1|u1|sms', attempts: 2, lastError: { code: 'http_503' } });
    expect(rig.dlq.letters).toEqual([]);
  });

  it("dead-letters the last allowed attempt with the event's summary and no payload or address; a later try does not call the provider", async () => {
    await setUp({ channels: { sms: { maxAttempts: 2 } } });
    rig.scripts.sms[0]!.always(new RetriableError('Twilio answered 503', 'http_503'));
    const event = rig.event('evt-1', { category: 'ops' });
    expect(await dispatch('evt-1', { category: 'ops' })).toBe('deferred');
    expect(await dispatch('evt-1', { category: 'ops' })).toBe('dead_lettered');

    expect(rig.dlq.letters).toHaveLength(1);
    const letter = deliveryLetter(rig.dlq.letters[0]);
    expect(letter).toMatchObject({
      reason: 'http_503',
      event: { id: 'evt-1', type: event.type, priority: event.priority, category: 'ops', channels: ['sms'], recipientCount: 1 },
      delivery: { recipientId: 'u1', channel: 'sms', provider: 'sms-scripted', attempts: 2, retriable: true },
    });
    expect(Object.keys(letter!.event)).not.toContain('payload');
    expect(JSON.stringify(letter)).not.toMatch(/97%|\+1415/);
    expect(await rig.record('evt-1')).toMatchObject({ status: 'dead-lettered', attempts: 2, reason: 'http_503' });

    expect(await dispatch('evt-1')).toBe('already_sent');
    expect(rig.scripts.sms[0]!.calls).toHaveLength(2);
  });

  it('dead-letters a permanent failure at the first attempt, and records an address rejection as bounced', async () => {
    await setUp();
    rig.scripts.sms[0]!.next(
      new PermanentError('Twilio refused the message body', 'http_400'),
      new AddressRejectedError('the number does not exist', 'unknown_number'),
    );
    expect(await dispatch('evt-1')).toBe('dead_lettered');
    expect(await dispatch('evt-2')).toBe('bounced');
    expect(rig.dlq.letters.map((l) => deliveryLetter(l)?.delivery)).toEqual([
      expect.objectContaining({ attempts: 1, retriable: false }),
      expect.objectContaining({ attempts: 1, retriable: false }),
    ]);
    expect(rig.dlq.letters.map((l) => l.reason)).toEqual(['http_400', 'unknown_number']);
    expect((await rig.record('evt-1'))?.status).toBe('dead-lettered');
    expect(await rig.record('evt-2')).toMatchObject({ status: 'bounced', attempts: 1 });
    expect(await retryDue('evt-1')).toBeNull();
  });

  it('defers without using an attempt while every breaker of the channel is open, until the first trial call', async () => {
    const breaker = { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeoutMs: 60_000 };
    await setUp({ channels: { sms: { breaker } } }, { providers: { sms: ['primary', 'secondary'] } });
    for (const script of rig.scripts.sms) script.next(new RetriableError('connection reset', 'provider_unreachable'));
    expect(await dispatch('evt-1')).toBe('deferred');
    expect(rig.providers.sms.map((p) => p.breakerState())).toEqual(['open', 'open']);
    const trial = rig.clock.now() + 60_000;

    expect(await dispatch('evt-1')).toBe('deferred');
    expect(await dispatch('evt-2')).toBe('deferred');
    expect(await rig.record('evt-1')).toMatchObject({ status: 'deferred', attempts: 1, reason: 'breaker_open' });
    expect(await rig.record('evt-2')).toMatchObject({ status: 'deferred', attempts: 0, reason: 'breaker_open' });
    expect(await retryDue('evt-2')).toBe(trial);
    expect(rig.scripts.sms.map((s) => s.calls.length)).toEqual([1, 1]);
  });

  it("defers a delivery another worker is sending to the end of that worker's lease, leaving its record to it", async () => {
    await setUp();
    const held = heldCall();
    rig.scripts.sms[0]!.next(held.step);
    const worker2 = rig.worker('worker-2');
    const ref = { eventId: 'evt-1', recipientId: 'u1', channel: 'sms' } as const;
    const sending = worker2.sendOnce(ref, rig.providers.sms, () => rig.message(ref));
    await held.started;

    expect(await dispatch('evt-1')).toBe('deferred');
    expect(await retryDue('evt-1')).toBe(rig.clock.now() + rig.config.dedup.sendLeaseMs);
    expect((await rig.record('evt-1'))?.status).toBe('sending');
    held.release();
    expect(await sending).toMatchObject({ outcome: 'sent' });
    expect(await dispatch('evt-1')).toBe('already_sent');
    expect(rig.scripts.sms[0]!.calls).toHaveLength(1);
  });

  it('defers, without using an attempt, a delivery that found no rate-limit token within maxRateWaitMs', async () => {
    await setUp({ channels: { sms: { rateLimit: { perMinute: 1 } } }, retries: { maxRateWaitMs: 0 } });
    expect(await dispatch('evt-1')).toBe('sent');
    expect(await dispatch('evt-2')).toBe('deferred');
    expect(await rig.record('evt-2')).toMatchObject({ status: 'deferred', attempts: 0, reason: 'rate_limited' });
    expect(rig.scripts.sms[0]!.calls).toEqual(['evt-1|u1|sms']);
  });

  it('bounces at the first attempt an address the provider refused after the breaker timeout (the late refusal is its own outcome)', async () => {
    await setUp({ channels: { sms: { breaker: { timeoutMs: 50 } } } });
    rig.scripts.sms[0]!.next(lateAnswer(150, new AddressRejectedError('the carrier says the number does not exist', 'unknown_number')));
    expect(await dispatch('evt-1')).toBe('bounced');
    expect(await rig.record('evt-1')).toMatchObject({ status: 'bounced', reason: 'unknown_number', attempts: 1 });
    expect(await retryDue('evt-1')).toBeNull();
  });

  it('dead-letters a template that fails to render as permanent, without calling the provider', async () => {
    await setUp({ templates: { broken: { sms: { text: '{{#each payload.items}}never closed' } } } });
    expect(await dispatch('evt-1', { template: 'broken' })).toBe('dead_lettered');
    expect(rig.dlq.letters.map((l) => [l.reason, deliveryLetter(l)?.delivery.retriable])).toEqual([['template_error', false]]);
    expect(rig.scripts.sms[0]!.calls).toEqual([]);
  });
});
