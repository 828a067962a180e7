import type { KafkaMessage } from 'kafkajs';
import { chunkForSend, forwardedMessage, messageBytes, triage } from '../../../src/intake/triage';
import { ORIGIN_HEADER } from '../../../src/contract/vocabulary';
import { bytes, v1Event, v2Event } from '../contract/sample-events';

const DEFAULT_FAST_LANE = ['critical', 'high'] as const;

describe('triage', () => {
  it('keeps critical and high events in the fast lane, with the parsed event to handle', () => {
    for (const priority of ['critical', 'high']) {
      const t = triage(bytes(v2Event({ priority })), DEFAULT_FAST_LANE);
      expect(t).toEqual({ lane: 'fast', event: expect.objectContaining({ id: 'evt-0001', priority }) });
    }
  });

  it('sends normal and low events to the bulk lane', () => {
    expect(triage(bytes(v2Event({ priority: 'normal' })), DEFAULT_FAST_LANE)).toEqual({ lane: 'bulk', priority: 'normal' });
    expect(triage(bytes(v1Event({ priority: 'low' })), DEFAULT_FAST_LANE)).toEqual({ lane: 'bulk', priority: 'low' });
  });

  it('follows the configured fast lane: every priority listed means nothing is forwarded', () => {
    const all = ['critical', 'high', 'normal', 'low'] as const;
    expect(triage(bytes(v2Event({ priority: 'low' })), all).lane).toBe('fast');
    expect(triage(bytes(v2Event({ priority: 'high' })), ['critical']).lane).toBe('bulk');
  });

  it('marks an invalid message for the DLQ with the reason parseEvent gives, whatever its priority', () => {
    const t = triage(bytes(v2Event({ priority: 'low', channels: ['fax'] })), DEFAULT_FAST_LANE);
    expect(t).toEqual({ lane: 'invalid', failure: expect.objectContaining({ ok: false, code: 'schema_violation' }) });
    expect(triage(bytes('{not json'), DEFAULT_FAST_LANE)).toEqual({ lane: 'invalid', failure: expect.objectContaining({ code: 'malformed_json' }) });
    expect(triage(null, DEFAULT_FAST_LANE)).toEqual({ lane: 'invalid', failure: expect.objectContaining({ code: 'malformed_json' }) });
  });

  it('refuses a message carrying the herald-replay header, whatever its value or priority: no producer may skip the checks', () => {
    const target = JSON.stringify({ recipientId: 'u1', channel: 'email', letter: '0:1', attempts: 0 });
    for (const headers of [
      { 'herald-replay': target },
      { 'herald-replay': Buffer.from(target) },
      { 'herald-replay': 'not json' },
      { 'herald-replay': [Buffer.from('')] },
    ]) {
      for (const priority of ['critical', 'low']) {
        const t = triage(bytes(v2Event({ priority })), DEFAULT_FAST_LANE, headers);
        expect(t).toEqual({
          lane: 'invalid',
          failure: expect.objectContaining({ code: 'replay_refused', message: expect.stringContaining('herald dlq replay') }),
        });
      }
    }
    // An inherited name is not a header.
    expect(triage(bytes(v2Event({ priority: 'low' })), DEFAULT_FAST_LANE, Object.create({ 'herald-replay': 'x' })).lane).toBe('bulk');
    // Nor does a priority hint get past the refusal.
    expect(triage(bytes(v2Event({ priority: 'low' })), DEFAULT_FAST_LANE, { 'herald-replay': 'x', 'herald-priority': 'low' }).lane).toBe('invalid');
  });

  it('forwards a message hinted to a bulk-lane priority without parsing it: the bulk lane validates it', () => {
    for (const hint of ['normal', 'low', Buffer.from('low')]) {
      expect(triage(bytes('{not json'), DEFAULT_FAST_LANE, { 'herald-priority': hint })).toEqual({ lane: 'bulk', priority: String(hint) });
    }
    // The value is the truth, the hint only a lane: a critical event hinted low is forwarded (and handled as critical there).
    expect(triage(bytes(v2Event({ priority: 'critical' })), DEFAULT_FAST_LANE, { 'herald-priority': 'low' }).lane).toBe('bulk');
  });

  it('parses a message hinted to a fast-lane priority, or with a hint that names none, as if it had no hint', () => {
    // Hinted critical but low: parsed, so forwarded by its value; hinted critical and invalid: dead-lettered here.
    expect(triage(bytes(v2Event({ priority: 'low' })), DEFAULT_FAST_LANE, { 'herald-priority': 'critical' })).toEqual({ lane: 'bulk', priority: 'low' });
    expect(triage(bytes('{not json'), DEFAULT_FAST_LANE, { 'herald-priority': 'critical' }).lane).toBe('invalid');
    for (const hint of ['urgent', 'LOW', '', [Buffer.from('low'), Buffer.from('low')]]) {
      expect(triage(bytes('{not json'), DEFAULT_FAST_LANE, { 'herald-priority': hint }).lane).toBe('invalid');
    }
    expect(triage(bytes('{not json'), DEFAULT_FAST_LANE, Object.create({ 'herald-priority': 'low' })).lane).toBe('invalid');
    // The configured fast lane decides: with normal in it, a normal hint is parsed.
    expect(triage(bytes('{not json'), ['critical', 'high', 'normal'], { 'herald-priority': 'normal' }).lane).toBe('invalid');
  });
});

describe('forwardedMessage', () => {
  const message: KafkaMessage = {
    key: Buffer.from('user-42'),
    value: bytes(v2Event({ priority: 'low' })),
    headers: { 'herald-schema-version': Buffer.from('2'), 'content-type': Buffer.from('application/json') },
    offset: '1234',
    timestamp: '1769850000000',
    attributes: 0,
  };

  it('keeps key, value bytes and headers, and records the origin topic/partition/offset', () => {
    const out = forwardedMessage({ topic: 'notifications.incoming', partition: 4 }, message);
    expect(out.key).toBe(message.key);
    expect(out.value).toBe(message.value);
    expect(out.headers).toEqual({ ...message.headers, [ORIGIN_HEADER]: 'notifications.incoming/4/1234' });
    // A fresh produce time: an old one could put the copy past the bulk topic's retention at once.
    expect(Object.keys(out)).not.toContain('timestamp');
  });

  it('forwards a message without headers or key too', () => {
    const out = forwardedMessage({ topic: 'in', partition: 0 }, { ...message, key: null, headers: undefined });
    expect(out.key).toBeNull();
    expect(out.headers).toEqual({ [ORIGIN_HEADER]: 'in/0/1234' });
  });
});

describe('chunkForSend', () => {
  const size = (n: number) => n;

  it('cuts in order into runs of at most maxCount', () => {
    expect(chunkForSend([1, 2, 3, 4, 5], size, { maxCount: 2, maxBytes: 1_000 })).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunkForSend([], size, { maxCount: 500, maxBytes: 1_000 })).toEqual([]);
  });

  it('starts a new run before the bytes would pass maxBytes, and sends an oversize item alone', () => {
    expect(chunkForSend([300, 300, 300, 1_500, 100, 100], size, { maxCount: 100, maxBytes: 700 })).toEqual([[300, 300], [300], [1_500], [100, 100]]);
  });
});

describe('messageBytes', () => {
  it('counts key, value and headers, plus room for the origin header', () => {
    const base = messageBytes({ key: null, value: null, headers: {} });
    expect(messageBytes({ key: Buffer.from('abc'), value: Buffer.alloc(1_000), headers: { h: Buffer.from('xy'), list: ['a', Buffer.from('bc')] } })).toBe(
      base + 3 + 1_000 + 3 + 2 * 4 + 3,
    );
  });
});
