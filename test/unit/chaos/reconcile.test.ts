import { createFaultSwitch, seededRandom } from '../../../chaos/faults';
import { reconcile, type Arrival } from '../../../chaos/reconcile';
import type { Expectation, PlannedEvent } from '../../../chaos/workload';
import type { EventV2 } from '../../../src/contract/event-v2';

const createdAt = '2026-11-21T10:00:00.000Z';
const t0 = Date.parse(createdAt);

function planned(id: string, expected: Record<string, Expectation>): PlannedEvent {
  const event = { version: 2, id, type: 'alert', priority: 'high', payload: {}, recipients: ['u1'], channels: ['email'], createdAt } as EventV2;
  return { event, expected: new Map(Object.entries(expected)) };
}

const mail = (eventId: string, at: number, address = 'a@x.test'): Arrival => ({ channel: 'email', eventId, address, at });

describe('chaos reconciliation', () => {
  const base = { deliveryLetters: [], invalidLetters: {}, kills: [], windowMs: 5_000 };

  it('counts a delivery that arrived once, its delay, and nothing lost', () => {
    const r = reconcile({ ...base, planned: [planned('e1', { 'u1|email': { outcome: 'deliver', address: 'a@x.test' } })], arrivals: [mail('e1', t0 + 250)] });
    expect(r).toMatchObject({ toDeliver: 1, deliveredExactlyOnce: 1, duplicates: 0, lost: 0, delayMaxMs: 250, delayP99Ms: 250 });
  });

  it('reports a delivery neither at its provider nor in the DLQ as lost, and a dead-lettered one as kept', () => {
    const r = reconcile({
      ...base,
      planned: [
        planned('e1', { 'u1|email': { outcome: 'deliver', address: 'a@x.test' } }),
        planned('e2', { 'u1|email': { outcome: 'deliver', address: 'a@x.test' } }),
      ],
      arrivals: [],
      deliveryLetters: [{ eventId: 'e2', recipientId: 'u1', channel: 'email', reason: 'retries_exhausted' }],
    });
    expect(r).toMatchObject({ lost: 1, deadLetteredInsteadOfSent: 1, deadLettered: { retries_exhausted: 1 } });
    expect(r.lostSamples[0]).toContain('e1|u1|email');
  });

  it('splits duplicates into those whose first copy came just before a SIGKILL and the rest', () => {
    const r = reconcile({
      ...base,
      planned: [
        planned('e1', { 'u1|email': { outcome: 'deliver', address: 'a@x.test' } }),
        planned('e2', { 'u1|email': { outcome: 'deliver', address: 'a@x.test' } }),
      ],
      arrivals: [mail('e1', t0 + 1_000), mail('e1', t0 + 70_000), mail('e2', t0 + 20_000), mail('e2', t0 + 21_000)],
      kills: [t0 + 3_000],
    });
    expect(r).toMatchObject({
      duplicates: 2,
      duplicatesInWindow: 1,
      duplicatesOutsideWindow: 1,
      duplicatesByChannel: { email: 2 },
      windowGapMaxMs: 2_000,
      deliveredExactlyOnce: 0,
    });
  });

  it('expects a bad address in the DLQ: missing there is lost, sent anyway is unexpected', () => {
    const bad = { 'u1|email': { outcome: 'dlq', address: 'bounce@x.test' } as Expectation };
    const missing = reconcile({ ...base, planned: [planned('e1', bad)], arrivals: [] });
    expect(missing.lost).toBe(1);
    const sent = reconcile({
      ...base,
      planned: [planned('e1', bad)],
      arrivals: [mail('e1', t0, 'bounce@x.test')],
      deliveryLetters: [{ eventId: 'e1', recipientId: 'u1', channel: 'email', reason: 'smtp_rejected' }],
    });
    expect(sent).toMatchObject({ lost: 0, unexpected: 1, deadLettered: { smtp_rejected: 1 } });
  });

  it('counts a copy for an opted-out channel or an unknown event as unexpected, and one both sent and dead-lettered', () => {
    const r = reconcile({
      ...base,
      planned: [planned('e1', { 'u1|email': { outcome: 'deliver', address: 'a@x.test' }, 'u1|sms': { outcome: 'none' } })],
      arrivals: [mail('e1', t0), { channel: 'sms', eventId: 'e1', address: '+15550000000', at: t0 }, mail('nope', t0)],
      deliveryLetters: [{ eventId: 'e1', recipientId: 'u1', channel: 'email', reason: 'smtp_rejected' }],
    });
    expect(r).toMatchObject({ unexpected: 2, sentAndDeadLettered: 1, toDeliver: 1 });
  });
});

describe('chaos fault switch', () => {
  it('injects about the background rate, and every call during an outage', () => {
    const faults = createFaultSwitch({ background: 0.1, random: seededRandom(1) });
    const background = Array.from({ length: 10_000 }, () => faults.next()).filter(Boolean).length;
    expect(background).toBeGreaterThan(800);
    expect(background).toBeLessThan(1_200);
    faults.startOutage('drop');
    expect(Array.from({ length: 50 }, () => faults.next())).toEqual(Array(50).fill('drop'));
    faults.endOutage();
    expect(faults.calls()).toBe(10_050);
    expect(Object.values(faults.injected()).reduce((a, b) => a + b, 0)).toBe(background + 50);
  });
});
