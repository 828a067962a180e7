import { parseConfig } from '../../../src/config/load-config';
import { eventV2Schema, type EventV2 } from '../../../src/contract/event-v2';
import { planDeliveries, type DeliveryPlan } from '../../../src/routing/plan-deliveries';
import type { ResolvedRecipient, UnresolvedRecipient } from '../../../src/recipients/resolve-recipient';
import { userProfileSchema } from '../../../src/recipients/user-profile';

function event(overrides: Partial<EventV2> = {}): EventV2 {
  return eventV2Schema.parse({
    version: 2,
    id: 'evt-1',
    type: 'transactional',
    priority: 'high',
    payload: { message: 'hi' },
    recipients: ['u1'],
    channels: ['email'],
    createdAt: '2026-01-31T09:00:00Z',
    ...overrides,
  });
}

function user(id: string, fields: Record<string, unknown> = {}): ResolvedRecipient {
  const profile = userProfileSchema.parse(fields);
  const addresses = { email: profile.email ? [profile.email] : [], sms: profile.phone ? [profile.phone] : [], push: profile.pushTokens, in_app: [id] };
  return { recipientId: id, kind: 'user', source: id, profile, addresses, locale: profile.locale };
}

const direct: ResolvedRecipient = {
  recipientId: 'direct:abc',
  kind: 'direct',
  source: 'email:a@example.com',
  profile: null,
  addresses: { email: ['a@example.com'] },
  locale: 'en',
};

/** A compact view of each plan: action, recipient, channel and reason. */
const summary = (plans: DeliveryPlan[]) =>
  plans.map((p) => [p.action, 'recipient' in p ? p.recipient.recipientId : p.recipientId, p.channel, 'reason' in p ? p.reason : undefined]);

describe('planDeliveries', () => {
  const config = parseConfig({});
  const ada = user('ada', { email: 'ada@example.com', phone: '+14155550100', pushTokens: ['tok'] });

  it('dispatches an immediate delivery on every requested channel, carrying the recipient', () => {
    const plans = planDeliveries(event({ channels: ['email', 'sms', 'push', 'in_app'] }), [ada], config);
    expect(summary(plans)).toEqual([
      ['dispatch', 'ada', 'email', undefined],
      ['dispatch', 'ada', 'sms', undefined],
      ['dispatch', 'ada', 'push', undefined],
      ['dispatch', 'ada', 'in_app', undefined],
    ]);
    expect(plans[0]).toMatchObject({ action: 'dispatch', recipient: ada });
  });

  it('batches normal priority on a batching channel under its digest rule and dispatches it elsewhere', () => {
    const plans = planDeliveries(event({ priority: 'normal', channels: ['email', 'sms'] }), [ada], config);
    expect(summary(plans)).toEqual([
      ['batch', 'ada', 'email', undefined],
      ['dispatch', 'ada', 'sms', undefined],
    ]);
    expect(plans[0]).toMatchObject({ action: 'batch', recipient: ada, rule: { name: 'email-default', channel: 'email', groupBy: ['type'] } });
  });

  it('batches by the first digest rule that matches the event, and dispatches what no rule covers', () => {
    const withRules = parseConfig({
      batching: {
        rules: [
          { name: 'push-marketing', channel: 'push', types: ['marketing'], window: { every: '1h' } },
          { name: 'email-social', channel: 'email', categories: ['social'], window: { cron: '0 9 * * *', timeZone: 'recipient' } },
        ],
      },
    });
    const marketing = planDeliveries(event({ type: 'marketing', priority: 'low', category: 'social', channels: ['push', 'email', 'sms'] }), [ada], withRules);
    expect(marketing.map((p) => [p.action, p.channel, p.action === 'batch' ? p.rule.name : undefined])).toEqual([
      ['batch', 'push', 'push-marketing'],
      ['batch', 'email', 'email-social'],
      ['dispatch', 'sms', undefined],
    ]);
    const transactional = planDeliveries(event({ type: 'transactional', priority: 'normal', channels: ['push', 'email'] }), [ada], withRules);
    expect(summary(transactional)).toEqual([
      ['dispatch', 'ada', 'push', undefined],
      ['dispatch', 'ada', 'email', undefined],
    ]);
    // critical is never batched, whatever the rules.
    expect(summary(planDeliveries(event({ type: 'marketing', priority: 'critical', category: 'social', channels: ['push'] }), [ada], withRules))).toEqual([
      ['dispatch', 'ada', 'push', undefined],
    ]);
  });

  it('fails an unresolved recipient on every channel with its reason and detail', () => {
    const unknown: UnresolvedRecipient = { recipientId: 'ghost', reason: 'unknown_user', detail: 'no user "ghost"' };
    const plans = planDeliveries(event({ channels: ['email', 'push'] }), [unknown, ada], config);
    expect(plans.slice(0, 2)).toEqual([
      { action: 'fail', recipientId: 'ghost', channel: 'email', reason: 'unknown_user', detail: 'no user "ghost"' },
      { action: 'fail', recipientId: 'ghost', channel: 'push', reason: 'unknown_user', detail: 'no user "ghost"' },
    ]);
    expect(summary(plans.slice(2))).toEqual([
      ['dispatch', 'ada', 'email', undefined],
      ['dispatch', 'ada', 'push', undefined],
    ]);
  });

  it('skips a disabled channel with channel_disabled, even for an unknown address', () => {
    const off = parseConfig({ channels: { sms: { enabled: false } } });
    const plans = planDeliveries(event({ channels: ['sms', 'email'] }), [ada, direct], off);
    expect(plans).toContainEqual({
      action: 'skip',
      recipientId: 'ada',
      channel: 'sms',
      reason: 'channel_disabled',
      detail: 'channels.sms.enabled is false in the config',
    });
    expect(plans).toContainEqual(expect.objectContaining({ action: 'skip', recipientId: 'direct:abc', channel: 'sms', reason: 'channel_disabled' }));
    expect(summary(plans).filter((p) => p[2] === 'email')).toEqual([
      ['dispatch', 'ada', 'email', undefined],
      ['dispatch', 'direct:abc', 'email', undefined],
    ]);
  });

  it('skips opted-out deliveries with the verdict as reason', () => {
    const bob = user('bob', { email: 'bob@example.com', phone: '+14155550101', preferences: { channels: { sms: false }, types: { marketing: false } } });
    expect(summary(planDeliveries(event({ channels: ['sms', 'email'] }), [bob], config))).toEqual([
      ['skip', 'bob', 'sms', 'opted_out_channel'],
      ['dispatch', 'bob', 'email', undefined],
    ]);
    const marketing = planDeliveries(event({ type: 'marketing', channels: ['email'] }), [bob], config);
    expect(marketing).toEqual([{ action: 'skip', recipientId: 'bob', channel: 'email', reason: 'opted_out_type', detail: 'the recipient opted out' }]);
  });

  it('fails a user without an address, naming the field and the API call that adds it', () => {
    const bare = user('carol');
    const plans = planDeliveries(event({ channels: ['email', 'sms', 'push', 'in_app'] }), [bare], config);
    expect(plans.slice(0, 3)).toEqual([
      { action: 'fail', recipientId: 'carol', channel: 'email', reason: 'no_address', detail: 'user has no email; add it with PUT /api/users/carol' },
      { action: 'fail', recipientId: 'carol', channel: 'sms', reason: 'no_address', detail: 'user has no phone; add it with PUT /api/users/carol' },
      { action: 'fail', recipientId: 'carol', channel: 'push', reason: 'no_address', detail: 'user has no pushTokens; add it with PUT /api/users/carol' },
    ]);
    expect(summary(plans.slice(3))).toEqual([['dispatch', 'carol', 'in_app', undefined]]);
  });

  it('fails a user without a webhook URL, pointing at the config rather than the API', () => {
    const plans = planDeliveries(event({ channels: ['webhook'] }), [user('carol')], config);
    expect(plans).toEqual([
      {
        action: 'fail',
        recipientId: 'carol',
        channel: 'webhook',
        reason: 'no_address',
        detail: 'user has no webhook URL; add it under channels.webhook.users in the config',
      },
    ]);
    const hooked: ResolvedRecipient = { ...user('dan'), addresses: { webhook: ['https://dan.example/hook'] } };
    expect(summary(planDeliveries(event({ channels: ['webhook'] }), [hooked], config))).toEqual([['dispatch', 'dan', 'webhook', undefined]]);
  });

  it('fails a direct address on the other channels, saying it reaches only its own', () => {
    const plans = planDeliveries(event({ channels: ['email', 'sms'] }), [direct], config);
    expect(summary(plans)[0]).toEqual(['dispatch', 'direct:abc', 'email', undefined]);
    expect(plans[1]).toEqual({
      action: 'fail',
      recipientId: 'direct:abc',
      channel: 'sms',
      reason: 'no_address',
      detail: 'a direct address reaches only its own channel, not sms',
    });
  });

  it('plans a channel listed twice only once per recipient', () => {
    const plans = planDeliveries(event({ channels: ['email', 'push', 'email', 'push'] }), [ada], config);
    expect(summary(plans)).toEqual([
      ['dispatch', 'ada', 'email', undefined],
      ['dispatch', 'ada', 'push', undefined],
    ]);
  });
});
