import type { HeraldConfigInput } from '../../../src/config/schema';
import { eventHandlerRig, type EventHandlerRig } from './event-handler-rig';

/**
 * What the event handler (src/routing/handle-event.ts) does with each (recipient, channel) pair
 * before any provider call: preferences and disabled channels, unknown users and missing
 * addresses, digest rules, frequency caps and quiet hours, on the real stores. No broker.
 */
describe('event handler: the gates every pair passes before a send', () => {
  let rig: EventHandlerRig;
  afterEach(() => rig.cleanup());

  async function setUp(config: HeraldConfigInput = {}, profile: Record<string, unknown> = {}) {
    rig = eventHandlerRig(config);
    await rig.putUser('u1', { phone: '+14155550100', email: 'u1@example.com', pushTokens: ['tok-1'], ...profile });
  }
  const handle = (id: string, overrides: Parameters<EventHandlerRig['event']>[1] = {}) => rig.handle(rig.event(id, overrides), `in/0/${id}`);
  const calls = () =>
    Object.values(rig.scripts)
      .flat()
      .flatMap((s) => s.calls);

  it('skips a channel or category the person opted out of, and a channel the config disables', async () => {
    await setUp({ channels: { push: { enabled: false } } }, { preferences: { channels: { sms: false }, categories: { promotions: false } } });
    await handle('evt-1', { type: 'transactional', priority: 'high', category: 'promotions', channels: ['sms', 'email', 'push'] });
    expect(await rig.outcomes('evt-1')).toEqual({
      'u1|email': 'skipped:opted_out_category',
      'u1|push': 'skipped:channel_disabled',
      'u1|sms': 'skipped:opted_out_channel',
    });
    expect(calls()).toEqual([]);
  });

  it('fails a pair whose recipient is unknown or has no address on the channel, saying how to fix it', async () => {
    await setUp();
    await rig.putUser('u2', { email: 'u2@example.com' });
    await handle('evt-1', { recipients: ['ghost', 'u2', 'u1'] });
    expect(await rig.outcomes('evt-1')).toEqual({ 'ghost|sms': 'failed:unknown_user', 'u1|sms': 'sent:', 'u2|sms': 'failed:no_address' });
    expect((await rig.record('evt-1', 'sms', 'u2'))?.detail).toBe('user has no phone; add it with PUT /api/users/u2');
    expect((await rig.record('evt-1', 'sms', 'ghost'))?.detail).toMatch(/no user "ghost" in the directory; create it with PUT \/api\/users\/ghost/);
  });

  it('batches a pair a digest rule covers into the window open now, rendered at intake', async () => {
    await setUp({ batching: { rules: [{ name: 'email-1m', channel: 'email', window: { every: '1m' } }] } });
    await handle('evt-1', { type: 'transactional', priority: 'normal', channels: ['email', 'sms'] });
    expect(await rig.outcomes('evt-1')).toEqual({ 'u1|email': 'batched:waiting_for_digest', 'u1|sms': 'sent:' });
    const windowEnd = Math.ceil((rig.clock.now() + 1) / 60_000) * 60_000;
    expect((await rig.record('evt-1', 'email'))?.nextAttemptAt).toBe(new Date(windowEnd).toISOString());

    const [due] = await rig.batches.dueWindows(windowEnd, 10);
    const claim = await rig.batches.claim(due!, 'flusher-1');
    expect(claim?.items.map((i) => [i.eventId, i.text])).toEqual([['evt-1', 'db-1 is at 97%']]);
    expect(rig.scripts.email[0]!.calls).toEqual([]);
  });

  it('drops an event over a frequency cap on every channel it asked for, and lets a bypassing priority through', async () => {
    await setUp({ frequencyCaps: [{ name: 'alerts-1h', types: ['alert'], max: 1, window: '1h' }] });
    await handle('evt-1', { priority: 'high' });
    await handle('evt-2', { priority: 'high', channels: ['sms', 'email'] });
    await handle('evt-3', { priority: 'critical' });
    expect(await rig.outcomes('evt-1')).toEqual({ 'u1|sms': 'sent:' });
    expect(await rig.outcomes('evt-2')).toEqual({ 'u1|email': 'skipped:frequency_capped', 'u1|sms': 'skipped:frequency_capped' });
    expect((await rig.record('evt-2'))?.detail).toBe('frequency cap alerts-1h: 1 of 1 in the window already');
    expect(await rig.outcomes('evt-3')).toEqual({ 'u1|sms': 'sent:' });
  });

  it("folds an event over a digest cap into the channel's next digest, even at a priority that is never batched", async () => {
    await setUp({
      frequencyCaps: [{ name: 'email-1h', channels: ['email'], max: 1, window: '1h', onExceed: 'digest' }],
      batching: { rules: [{ name: 'email-1m', channel: 'email', window: { every: '1m' } }] },
    });
    await handle('evt-1', { priority: 'high', channels: ['email'] });
    await handle('evt-2', { priority: 'high', channels: ['email'] });
    expect(await rig.outcomes('evt-1')).toEqual({ 'u1|email': 'sent:' });
    expect(await rig.outcomes('evt-2')).toEqual({ 'u1|email': 'batched:frequency_capped' });
    expect(rig.scripts.email[0]!.calls).toEqual(['evt-1|u1|email']);
  });

  it("defers a pair inside the person's quiet hours to the retry store until they end, using no attempt; critical goes through", async () => {
    // The rig's clock reads 09:00 UTC, 10:00 in Paris: inside 09:30-11:00 there, which ends at 10:00 UTC.
    await setUp({}, { timeZone: 'Europe/Paris', quietHours: { start: '09:30', end: '11:00' } });
    await handle('evt-1', { priority: 'high', channels: ['sms', 'email'] });
    const end = Date.UTC(2026, 10, 21, 10, 0, 0);
    expect(await rig.outcomes('evt-1')).toEqual({ 'u1|email': 'sent:', 'u1|sms': 'deferred:quiet_hours' });
    expect(await rig.record('evt-1')).toMatchObject({ attempts: 0, nextAttemptAt: new Date(end).toISOString() });
    expect(await rig.retries.dueAt('sms', 'evt-1|u1|sms')).toBe(end);

    await handle('evt-2', { priority: 'critical' });
    expect(await rig.outcomes('evt-2')).toEqual({ 'u1|sms': 'sent:' });
    expect(rig.scripts.sms[0]!.calls).toEqual(['evt-2|u1|sms']);
  });
});
