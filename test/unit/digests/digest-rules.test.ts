import type { BatchItem, Claim } from '../../../src/digests/batch-item';
import { channelDigestRule, digestRuleFor, digestRulesOf, groupKeyOf, windowEndFor, type DigestRule } from '../../../src/digests/digest-rules';
import { parseConfig } from '../../../src/config/load-config';
import type { HeraldConfig } from '../../../src/config/schema';
import { digestParts } from '../../../src/digests/send-digest';

const rulesConfig = (rules: unknown[]) => parseConfig({ batching: { rules } });

describe('digestRulesOf', () => {
  it('derives one rule per shorthand channel: cron in UTC, grouped by type, summarised past maxBatch', () => {
    const config = parseConfig({ batching: { channels: ['email', 'push'], schedule: '0 9 * * *', maxBatch: 20, priorities: ['low'] } });
    expect(digestRulesOf(config)).toEqual([
      {
        name: 'email-default',
        channel: 'email',
        priorities: ['low'],
        window: { cron: '0 9 * * *', timeZone: 'UTC' },
        groupBy: ['type'],
        maxItems: 20,
        overflow: 'summarize',
      },
      {
        name: 'push-default',
        channel: 'push',
        priorities: ['low'],
        window: { cron: '0 9 * * *', timeZone: 'UTC' },
        groupBy: ['type'],
        maxItems: 20,
        overflow: 'summarize',
      },
    ]);
  });

  it('by default batches normal and low email every five minutes', () => {
    expect(digestRulesOf(parseConfig({}))).toEqual([
      expect.objectContaining({ name: 'email-default', channel: 'email', priorities: ['normal', 'low'], window: { cron: '*/5 * * * *', timeZone: 'UTC' } }),
    ]);
  });

  it('uses the configured rules instead of the shorthand, naming unnamed ones after channel and types', () => {
    const rules = rulesConfig([
      { channel: 'email', types: ['alert', 'marketing'], window: { every: '15m' } },
      { name: 'push-nightly', channel: 'push', window: { cron: '0 21 * * *', timeZone: 'recipient' } },
      { channel: 'sms', window: { every: 60_000 } },
    ]);
    expect(digestRulesOf(rules).map((r) => r.name)).toEqual(['email-alert+marketing', 'push-nightly', 'sms-all']);
    expect(digestRulesOf(rules)[0]).toMatchObject({
      window: { every: 900_000, timeZone: 'UTC' },
      priorities: ['normal', 'low'],
      groupBy: ['type'],
      maxItems: 50,
      overflow: 'summarize',
    });
    // The shorthand's channels do not add rules once rules are given.
    expect(
      digestRulesOf(parseConfig({ batching: { channels: ['in_app'], rules: [{ channel: 'sms', window: { every: '1m' } }] } })).map((r) => r.channel),
    ).toEqual(['sms']);
  });

  it('is computed once per config', () => {
    const config = parseConfig({ batching: { channels: ['email', 'sms'] } });
    expect(digestRulesOf(config)).toBe(digestRulesOf(config));
  });
});

describe('digestRuleFor', () => {
  const config = rulesConfig([
    { name: 'alerts-fast', channel: 'email', types: ['alert'], window: { every: '1m' } },
    { name: 'social', channel: 'email', categories: ['social', 'follows'], priorities: ['low'], window: { every: '1h' } },
    { name: 'email-rest', channel: 'email', window: { every: '1d' } },
    { name: 'push-low', channel: 'push', priorities: ['low'], window: { every: '1h' } },
  ]);
  const ruleName = (event: Parameters<typeof digestRuleFor>[0], channel: Parameters<typeof digestRuleFor>[1]) => digestRuleFor(event, channel, config)?.name;

  it('takes the first rule that matches channel, priority, type and category', () => {
    expect(ruleName({ priority: 'normal', type: 'alert', category: 'social' }, 'email')).toBe('alerts-fast');
    expect(ruleName({ priority: 'low', type: 'marketing', category: 'social' }, 'email')).toBe('social');
    expect(ruleName({ priority: 'normal', type: 'marketing', category: 'social' }, 'email')).toBe('email-rest'); // social batches only low
    expect(ruleName({ priority: 'low', type: 'marketing', category: 'billing' }, 'email')).toBe('email-rest');
    expect(ruleName({ priority: 'low', type: 'marketing' }, 'email')).toBe('email-rest'); // no category: a category rule never matches
    expect(ruleName({ priority: 'normal' }, 'email')).toBe('email-rest'); // no type: a types rule never matches
  });

  it('sends at once what no rule covers: other channels, priorities no rule lists', () => {
    expect(ruleName({ priority: 'low', type: 'transactional' }, 'push')).toBe('push-low');
    expect(ruleName({ priority: 'normal', type: 'transactional' }, 'push')).toBeUndefined();
    expect(ruleName({ priority: 'low', type: 'transactional' }, 'sms')).toBeUndefined();
    expect(ruleName({ priority: 'high', type: 'alert' }, 'email')).toBeUndefined();
    expect(ruleName({ priority: 'critical', type: 'alert' }, 'email')).toBeUndefined();
  });

  it('never batches a priority whose batchingAllowed is false, whatever a rule lists', () => {
    // parseConfig refuses this combination; the decision must hold anyway if handed one.
    const loose: Pick<HeraldConfig, 'batching' | 'priorities'> = {
      batching: { ...config.batching, rules: [{ ...config.batching.rules[2]!, name: 'everything', priorities: ['critical', 'high', 'normal', 'low'] }] },
      priorities: { ...config.priorities, low: { maxLatencyMs: 1_000, batchingAllowed: false } },
    };
    expect(digestRuleFor({ priority: 'low', type: 'marketing' }, 'email', loose)).toBeUndefined();
    expect(digestRuleFor({ priority: 'critical', type: 'alert' }, 'email', loose)).toBeUndefined();
    expect(digestRuleFor({ priority: 'normal', type: 'marketing' }, 'email', loose)?.name).toBe('everything');
  });

  it('folds capped deliveries into the first rule of their channel, whatever the event', () => {
    expect(channelDigestRule('email', config)?.name).toBe('alerts-fast');
    expect(channelDigestRule('push', config)?.name).toBe('push-low');
    expect(channelDigestRule('sms', config)).toBeUndefined();
  });
});

describe('groupKeyOf', () => {
  const rule = (groupBy: DigestRule['groupBy']): DigestRule => ({ ...digestRulesOf(parseConfig({}))[0]!, name: 'r1', groupBy });

  it('separates digests by rule, recipient and channel, plus the type by default', () => {
    expect(groupKeyOf(rule(['type']), 'u1', 'email', { priority: 'normal', type: 'marketing' })).toBe('r1|u1|email|marketing');
    expect(groupKeyOf(rule([]), 'u1', 'email', { priority: 'normal', type: 'marketing' })).toBe('r1|u1|email');
  });

  it('adds category and template when the rule groups by them, with "-" for a missing one', () => {
    const byAll = rule(['type', 'category', 'template']);
    expect(groupKeyOf(byAll, 'u1', 'push', { priority: 'low', type: 'alert', category: 'social', template: 'mention' })).toBe(
      'r1|u1|push|alert|social|mention',
    );
    expect(groupKeyOf(byAll, 'u1', 'push', { priority: 'low', type: 'alert' })).toBe('r1|u1|push|alert|-|alert'); // template falls back to the type
    expect(groupKeyOf(rule(['category']), 'u2', 'email', { priority: 'low' })).toBe('r1|u2|email|-');
  });
});

describe('windowEndFor', () => {
  const at = (iso: string) => Date.parse(iso);

  it('closes fixed windows on epoch-aligned boundaries', () => {
    const [rule] = digestRulesOf(rulesConfig([{ channel: 'email', window: { every: '15m' } }]));
    expect(windowEndFor(rule!, at('2026-01-31T09:07:30Z'), 'UTC')).toBe(at('2026-01-31T09:15:00Z'));
    expect(windowEndFor(rule!, at('2026-01-31T09:15:00Z'), 'UTC')).toBe(at('2026-01-31T09:30:00Z')); // a boundary arrival joins the next
  });

  it("reads a cron in the recipient's zone when the rule says so, and in the rule's zone otherwise", () => {
    const [local, paris] = digestRulesOf(
      rulesConfig([
        { name: 'local', channel: 'email', window: { cron: '0 9 * * *', timeZone: 'recipient' } },
        { name: 'paris', channel: 'push', window: { cron: '0 9 * * *', timeZone: 'Europe/Paris' } },
      ]),
    );
    expect(windowEndFor(local!, at('2026-01-31T07:30:00Z'), 'Europe/Paris')).toBe(at('2026-01-31T08:00:00Z'));
    expect(windowEndFor(local!, at('2026-01-31T07:30:00Z'), 'America/New_York')).toBe(at('2026-01-31T14:00:00Z'));
    expect(windowEndFor(paris!, at('2026-01-31T07:30:00Z'), 'America/New_York')).toBe(at('2026-01-31T08:00:00Z'));
  });
});

describe('digestParts', () => {
  const items: BatchItem[] = Array.from({ length: 5 }, (_, i) => ({
    eventId: `e${i + 1}`,
    recipientId: 'u1',
    channel: 'email',
    type: 'transactional',
    priority: 'normal',
    createdAt: '2026-01-31T09:00:00.000Z',
    templateName: 'comment',
    title: `t${i + 1}`,
    text: `x${i + 1}`,
  }));
  const claimOf = (n: number): Claim => ({
    groupKey: 'r|u1|email|transactional',
    windowEnd: 0,
    digestId: 'r|u1|email|transactional@1970-01-01T00:00:00.000Z',
    items: items.slice(0, n),
    fencingToken: 1,
    resumed: false,
  });
  const view = (parts: ReturnType<typeof digestParts>) =>
    parts.map((p) => [p.digestId.split('@')[1], p.listed.map((i) => i.eventId), p.folded.map((i) => i.eventId)]);

  it('sends one digest under the digest id when the items fit, whatever the overflow', () => {
    for (const overflow of ['summarize', 'split'] as const) {
      expect(view(digestParts(claimOf(3), 5, overflow))).toEqual([['1970-01-01T00:00:00.000Z', ['e1', 'e2', 'e3'], []]]);
      expect(view(digestParts(claimOf(5), 5, overflow))).toEqual([['1970-01-01T00:00:00.000Z', ['e1', 'e2', 'e3', 'e4', 'e5'], []]]);
    }
  });

  it('summarize lists the oldest maxItems and folds the rest into the same digest', () => {
    expect(view(digestParts(claimOf(5), 2, 'summarize'))).toEqual([['1970-01-01T00:00:00.000Z', ['e1', 'e2'], ['e3', 'e4', 'e5']]]);
  });

  it('split sends as many digests as needed, numbered after the digest id', () => {
    const parts = digestParts(claimOf(5), 2, 'split');
    expect(parts.map((p) => p.digestId)).toEqual(['#1', '#2', '#3'].map((n) => `${claimOf(5).digestId}${n}`));
    expect(view(parts).map(([, listed, folded]) => [listed, folded])).toEqual([
      [['e1', 'e2'], []],
      [['e3', 'e4'], []],
      [['e5'], []],
    ]);
  });
});
