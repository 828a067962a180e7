import type { HeraldConfigInput } from '../../../src/config/schema';
import { RetriableError } from '../../../src/shared/errors';
import { eventHandlerRig, type EventHandlerRig } from './event-handler-rig';
import { heldCall } from './scripted-provider';

/**
 * The event handler's decisions (src/routing/handle-event.ts) on the real stores: dedup verdicts,
 * stale and scheduled events, a failure of our own storage. Preferences, digests, caps and quiet
 * hours: handle-event-gates.test.ts. No broker: messages are named by their marker.
 */
describe('event handler: dedup, age, schedule and our own failures', () => {
  let rig: EventHandlerRig;
  afterEach(() => rig.cleanup());

  async function setUp(config: HeraldConfigInput = {}) {
    rig = eventHandlerRig(config);
    await rig.putUser('u1', { phone: '+14155550100', email: 'u1@example.com' });
  }

  it('delivers a new event; a duplicate under another marker, or another id with the same deduplicationKey, is dropped', async () => {
    await setUp();
    const event = rig.event('evt-1', { deduplicationKey: 'order-7-shipped' });
    expect(await rig.handle(event, 'in/0/10')).toEqual({ verdict: 'new', plans: 1 });
    expect(await rig.outcomes('evt-1')).toEqual({ 'u1|sms': 'sent:' });

    expect(await rig.handle(event, 'in/0/11')).toEqual({ verdict: 'duplicate', plans: 0 });
    expect(await rig.handle(rig.event('evt-2', { deduplicationKey: 'order-7-shipped' }), 'in/1/3')).toEqual({ verdict: 'duplicate', plans: 0 });
    expect(await rig.deliveries.notification('evt-2')).toBeNull();
    expect(rig.scripts.sms[0]!.calls).toEqual(['evt-1|u1|sms']);
  });

  it(
    'rejects when our own storage fails, only after the other pairs finished; the redelivery of that message finishes ' + 'the event without sending twice',
    async () => {
      await setUp();
      const event = rig.event('evt-1', { channels: ['sms', 'email'] });
      rig.feed.refuse = (change) => change.channel === 'email' && change.status === 'pending';
      const smsCall = heldCall();
      rig.scripts.sms[0]!.next(smsCall.step);
      let settled = false;
      const handling = rig.handle(event, 'in/0/10').finally(() => (settled = true));
      await smsCall.started;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled).toBe(false);

      smsCall.release();
      await expect(handling).rejects.toThrow(/status topic unreachable: the pending change of email/);
      expect(await rig.outcomes('evt-1')).toEqual({ 'u1|email': 'sent:', 'u1|sms': 'sent:' });

      rig.feed.refuse = undefined;
      expect(await rig.handle(event, 'in/0/10')).toEqual({ verdict: 'redelivery', plans: 2 });
      expect([rig.scripts.sms[0]!.calls.length, rig.scripts.email[0]!.calls.length]).toEqual([1, 1]);
    },
  );

  it('leaves a delivery waiting in the retry store to it when the message is handled again: no call before its Retry-After, no attempt used', async () => {
    await setUp();
    const event = rig.event('evt-1', { channels: ['sms', 'email'] });
    rig.scripts.sms[0]!.next(new RetriableError('Twilio answered 503', 'http_503', undefined, 600_000));
    rig.feed.refuse = (change) => change.channel === 'email' && change.status === 'pending';
    await expect(rig.handle(event, 'in/0/10')).rejects.toThrow(/status topic unreachable/);
    expect(await rig.outcomes('evt-1')).toEqual({ 'u1|email': 'sent:', 'u1|sms': 'deferred:http_503' });

    // Retried in place, as intake retries a message that failed on our side.
    rig.feed.refuse = undefined;
    expect(await rig.handle(event, 'in/0/10')).toEqual({ verdict: 'redelivery', plans: 2 });
    expect(rig.scripts.sms[0]!.calls).toEqual(['evt-1|u1|sms']);
    expect(await rig.record('evt-1')).toMatchObject({ status: 'deferred', attempts: 1 });
    expect(await rig.retries.dueAt('sms', 'evt-1|u1|sms')).toBe(rig.clock.now() + 600_000);
  });

  it("records every pair of an event older than its priority's maxAge skipped as stale, and keeps a failure a failure", async () => {
    await setUp();
    // Critical events may be an hour old at most (priorities.critical.maxAge).
    const event = rig.event('evt-1', { recipients: ['u1', 'ghost'], createdAt: new Date(rig.clock.now() - 2 * 3_600_000).toISOString() });
    expect(await rig.handle(event, 'in/0/10')).toEqual({ verdict: 'new', plans: 2 });
    expect(await rig.outcomes('evt-1')).toEqual({ 'ghost|sms': 'failed:unknown_user', 'u1|sms': 'skipped:stale' });
    expect((await rig.record('evt-1'))?.detail).toMatch(/7200 s old .* more than priorities\.critical\.maxAge \(3600 s\)/);
    expect(rig.scripts.sms[0]!.calls).toEqual([]);
  });

  it('hands a future sendAt to the schedule store; a redelivery of a cancelled one is left to the store, even once it is due', async () => {
    await setUp();
    const sendAt = rig.clock.now() + 3_600_000;
    const event = rig.event('evt-1', { sendAt: new Date(sendAt).toISOString() });
    expect(await rig.handle(event, 'in/0/10')).toEqual({ verdict: 'new', plans: 0, scheduled: true });
    expect(await rig.schedule.state('evt-1')).toEqual({ state: 'scheduled', dueAt: sendAt });
    expect(await rig.deliveries.notification('evt-1')).toMatchObject({ meta: { sendAt: new Date(sendAt).toISOString() }, deliveries: [] });

    expect(await rig.schedule.cancel('evt-1')).toBe('cancelled');
    rig.clock.set(sendAt + 1_000);
    expect(await rig.handle(event, 'in/0/10')).toEqual({ verdict: 'redelivery', plans: 0, scheduled: true });
    expect(await rig.deliveries.all('evt-1')).toEqual([]);
    expect(rig.scripts.sms[0]!.calls).toEqual([]);
  });

  it('schedules a redelivered event whose first handling died before the schedule store had it', async () => {
    await setUp();
    const event = rig.event('evt-1', { delay: '15m' });
    // The first worker claimed the message, then died.
    expect(await rig.dedup.claim('evt-1', 'in/0/10')).toBe('new');
    expect(await rig.handle(event, 'in/0/10')).toEqual({ verdict: 'redelivery', plans: 0, scheduled: true });
    expect(await rig.schedule.state('evt-1')).toMatchObject({ state: 'scheduled', dueAt: Date.parse(event.createdAt) + 15 * 60_000 });
  });

  it('delivers a scheduled event once when it fires, and never again on a redelivery of its message', async () => {
    await setUp();
    const event = rig.event('evt-1', { delay: '15m' });
    expect(await rig.handle(event, 'in/0/10')).toMatchObject({ scheduled: true });
    rig.clock.advance(15 * 60_000);
    const [due] = await rig.schedule.claimDue(10, 60_000);
    await rig.handle.fireScheduled(due!.event);
    await rig.schedule.complete('evt-1');
    expect(await rig.outcomes('evt-1')).toEqual({ 'u1|sms': 'sent:' });

    expect(await rig.handle(event, 'in/0/10')).toEqual({ verdict: 'redelivery', plans: 0, scheduled: true });
    expect(rig.scripts.sms[0]!.calls).toEqual(['evt-1|u1|sms']);
  });

  it('fails every pair of an event scheduled beyond scheduling.maxHorizon, saying how to fix it', async () => {
    await setUp({ scheduling: { maxHorizon: '1d' } });
    const event = rig.event('evt-1', { channels: ['sms', 'email'], sendAt: new Date(rig.clock.now() + 2 * 86_400_000).toISOString() });
    expect(await rig.handle(event, 'in/0/10')).toEqual({ verdict: 'new', plans: 2 });
    expect(await rig.outcomes('evt-1')).toEqual({ 'u1|email': 'failed:send_at_too_far', 'u1|sms': 'failed:send_at_too_far' });
    expect((await rig.record('evt-1'))?.detail).toMatch(/more than scheduling\.maxHorizon \(24 hours\) ahead; send it closer to its time or raise the horizon/);
    expect(await rig.schedule.state('evt-1')).toBeNull();
  });
});
