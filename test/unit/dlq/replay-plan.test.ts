import { parseConfig } from '../../../src/config/load-config';
import { letterEventOf, type DeadLetter } from '../../../src/contract/dead-letter';
import type { EventV2 } from '../../../src/contract/event-v2';
import type { DeliveryRecord } from '../../../src/delivery-state/types';
import type { StoredLetter } from '../../../src/dlq/dlq-reader';
import { planReplay } from '../../../src/dlq/replay-plan';

const config = parseConfig({});
const event = (id: string): EventV2 =>
  ({
    version: 2,
    id,
    type: 'alert',
    priority: 'high',
    createdAt: '2026-11-21T03:00:00.000Z',
    recipients: ['u1', 'email:bob@example.com'],
    channels: ['email'],
    payload: {},
  }) as EventV2;

function stored(id: string, letter: DeadLetter | null): StoredLetter {
  const [partition, offset] = id.split(':');
  return { id, partition: Number(partition), offset: offset!, timestamp: 0, key: null, letter, ...(letter ? {} : { unreadable: 'the value is not JSON' }) };
}

const failed = (eventId: string, recipientId = 'u1'): DeadLetter => ({
  kind: 'delivery_failed',
  reason: 'smtp_transient',
  message: 'x',
  failedAt: '2026-11-21T03:00:00.000Z',
  event: letterEventOf(event(eventId)),
  delivery: { recipientId, channel: 'email', provider: 'smtp', attempts: 3, retriable: true },
});

const record = (status: DeliveryRecord['status'], extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  recipientId: 'u1',
  channel: 'email',
  status,
  attempts: 3,
  updatedAt: '2026-11-21T03:00:00.000Z',
  ...extra,
});

/** Lookups over fixed records (what Redis would hold), by event id; every event with a record is recorded too unless `events` says otherwise. */
function lookups(
  records: Record<string, DeliveryRecord | null>,
  events: Record<string, EventV2> = Object.fromEntries(Object.keys(records).map((id) => [id, event(id)])),
) {
  return { record: async (ref: { eventId: string }) => records[ref.eventId] ?? null, event: async (id: string) => events[id] ?? null };
}

describe('planReplay', () => {
  it('replays a dead-lettered or bounced delivery through the replayer, with the event herald recorded, never through a topic', async () => {
    const steps = await planReplay(
      [stored('0:1', failed('e1')), stored('0:2', failed('e2'))],
      config,
      lookups({ e1: record('dead-lettered'), e2: record('bounced') }),
    );
    expect(steps[0]).toMatchObject({
      action: 'replay',
      why: 'dead-lettered after 3 attempts; one more try',
      delivery: { ref: { eventId: 'e1', recipientId: 'u1', channel: 'email' }, replaysBefore: 0 },
    });
    expect(steps[0]!.replay).toEqual({ event: event('e1'), target: { recipientId: 'u1', channel: 'email', letter: '0:1' } });
    expect(steps[0]!.publish).toBeUndefined();
    expect(steps[1]).toMatchObject({ action: 'replay', why: 'bounced after 3 attempts; one more try' });
  });

  it('never replays a sent, delivered, skipped, in-progress or never-failed delivery, and says why', async () => {
    const steps = await planReplay(
      ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((id, i) => stored(`0:${i}`, failed(id))),
      config,
      lookups({
        e1: record('sent', { sentAt: 'x' }),
        e2: record('delivered', { sentAt: 'x' }),
        e3: record('skipped', { reason: 'opted_out_channel' }),
        e4: record('deferred'),
        e5: record('pending'),
        e6: record('failed', { reason: 'no_address' }),
      }),
    );
    expect(steps.map((s) => [s.action, s.why])).toEqual([
      ['skip', 'already sent (sent); never sent twice'],
      ['skip', 'already sent (delivered); never sent twice'],
      ['skip', 'skipped on purpose (opted_out_channel); not a failure'],
      ['skip', 'a try is already coming (deferred)'],
      ['skip', 'a try is already coming (pending)'],
      ['skip', 'recorded failed (no_address), not dead-lettered; nothing to replay'],
    ]);
    expect(steps.every((s) => s.publish === undefined && s.replay === undefined)).toBe(true);
  });

  it('a letter forged on the DLQ topic replays nothing: no recorded event, no record, or a delivery the recorded event lacks', async () => {
    const steps = await planReplay(
      [stored('0:1', failed('never-seen')), stored('0:2', failed('e2')), stored('0:3', failed('e3', 'someone-else'))],
      config,
      lookups({ e3: record('dead-lettered', { recipientId: 'someone-else' }) }, { e2: event('e2'), e3: event('e3') }),
    );
    expect(steps.map((s) => s.action)).toEqual(['skip', 'skip', 'skip']);
    expect(steps[0]!.why).toContain('no recorded event');
    expect(steps[1]!.why).toContain('no record of this delivery');
    expect(steps[2]!.why).toContain('has no such recipient and channel');
  });

  it('replays one delivery named by two letters once', async () => {
    const steps = await planReplay([stored('0:1', failed('e1')), stored('1:9', failed('e1'))], config, lookups({ e1: record('dead-lettered') }));
    expect(steps.map((s) => [s.action, s.why])).toEqual([
      ['replay', 'dead-lettered after 3 attempts; one more try'],
      ['skip', 'same delivery as letter 0:1'],
    ]);
  });

  it('an invalid message valid now is re-published to the configured intake topic, whatever topic its letter names', async () => {
    const valid = { ...event('e9'), recipients: ['u1'] };
    const letter: DeadLetter = {
      kind: 'invalid_event',
      reason: 'schema_violation',
      message: 'x',
      failedAt: '2026-11-21T03:00:00.000Z',
      issues: [],
      source: { topic: 'payments.commands', partition: 0, offset: '5', key: 'u1', timestamp: '0' },
      rawBase64: Buffer.from(JSON.stringify(valid)).toString('base64'),
    };
    const [step] = await planReplay([stored('0:7', letter)], config, lookups({}));
    expect(step).toMatchObject({
      action: 'republish',
      why: 'valid now; back to notifications.incoming',
      publish: { topic: 'notifications.incoming', message: { key: 'u1' } },
    });
  });

  it('a digest: each event replayed on its own; an event past retention is skipped', async () => {
    const digest: DeadLetter = {
      kind: 'digest_failed',
      reason: 'smtp_rejected',
      message: 'x',
      failedAt: '2026-11-21T03:00:00.000Z',
      digest: { digestId: 'd1', eventIds: ['e1', 'gone'], recipientId: 'u1', channel: 'email', provider: 'smtp', attempts: 1, retriable: false },
    };
    const steps = await planReplay([stored('0:4', digest)], config, lookups({ e1: record('dead-lettered') }, { e1: event('e1') }));
    expect(steps.map((s) => [s.eventId, s.action])).toEqual([
      ['e1', 'replay'],
      ['gone', 'skip'],
    ]);
    expect(steps[1]!.why).toContain('past deliveryState.retentionSeconds');
  });

  it('an oversize message kept truncated is skipped with its size, never republished cut short', async () => {
    const letter: DeadLetter = {
      kind: 'invalid_event',
      reason: 'oversize',
      message: 'too big',
      failedAt: '2026-11-21T03:00:00.000Z',
      issues: [],
      source: { topic: 'notifications.incoming', partition: 0, offset: '5', key: null, timestamp: '0' },
      rawBase64: Buffer.from('{"id":"e1"').toString('base64'),
      rawTruncated: true,
      rawBytes: 900_000,
    };
    const [step] = await planReplay([stored('0:5', letter)], config, lookups({}));
    expect(step).toMatchObject({ action: 'skip', eventId: null });
    expect(step!.why).toContain('900000 bytes');
  });

  it('an unreadable DLQ message is skipped, not fatal', async () => {
    const [step] = await planReplay([stored('2:0', null)], config, lookups({}));
    expect(step).toMatchObject({ action: 'skip', why: 'not a herald dead letter (the value is not JSON)' });
  });
});
