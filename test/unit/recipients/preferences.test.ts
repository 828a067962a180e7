import type { EventV2 } from '../../../src/contract/event-v2';
import { checkPreferences } from '../../../src/recipients/preferences';
import { userProfileSchema, type UserProfile } from '../../../src/recipients/user-profile';

type Ev = Pick<EventV2, 'type' | 'priority' | 'category'>;

/** A profile built through the real schema, so defaults are filled as in production. */
function profile(preferences: Record<string, unknown>): UserProfile {
  return userProfileSchema.parse({ email: 'ada@example.com', preferences });
}

describe('checkPreferences', () => {
  it('allows everything for a user without opt-outs', () => {
    expect(checkPreferences(profile({}), { type: 'marketing', priority: 'low', category: 'promo' }, 'email')).toEqual({ allowed: true });
  });

  it('lets a direct address (no profile) through', () => {
    expect(checkPreferences(null, { type: 'marketing', priority: 'low', category: 'promo' }, 'email')).toEqual({ allowed: true });
  });

  it.each<Ev>([
    { type: 'transactional', priority: 'critical' },
    { type: 'alert', priority: 'critical' },
    { type: 'marketing', priority: 'low' },
  ])('a channel opt-out always wins (%o)', (event) => {
    const p = profile({ channels: { sms: false } });
    expect(checkPreferences(p, event, 'sms')).toEqual({ allowed: false, reason: 'opted_out_channel' });
    expect(checkPreferences(p, event, 'email')).toEqual({ allowed: true });
  });

  it.each(['critical', 'high', 'normal', 'low'] as const)('a marketing type opt-out holds at %s priority', (priority) => {
    const p = profile({ types: { marketing: false } });
    expect(checkPreferences(p, { type: 'marketing', priority }, 'email')).toEqual({ allowed: false, reason: 'opted_out_type' });
  });

  it('a marketing category opt-out holds even when critical', () => {
    const p = profile({ categories: { promo: false } });
    expect(checkPreferences(p, { type: 'marketing', priority: 'critical', category: 'promo' }, 'push')).toEqual({
      allowed: false,
      reason: 'opted_out_category',
    });
  });

  it.each(['transactional', 'alert'] as const)('critical %s bypasses type and category opt-outs', (type) => {
    const p = profile({ types: { [type]: false }, categories: { security: false } });
    expect(checkPreferences(p, { type, priority: 'critical', category: 'security' }, 'email')).toEqual({ allowed: true });
  });

  it.each(['high', 'normal', 'low'] as const)('non-critical transactional respects the type opt-out (%s)', (priority) => {
    const p = profile({ types: { transactional: false } });
    expect(checkPreferences(p, { type: 'transactional', priority }, 'email')).toEqual({ allowed: false, reason: 'opted_out_type' });
  });

  it('non-critical alert respects a category opt-out, and other categories pass', () => {
    const p = profile({ categories: { security: false } });
    expect(checkPreferences(p, { type: 'alert', priority: 'high', category: 'security' }, 'sms')).toEqual({ allowed: false, reason: 'opted_out_category' });
    expect(checkPreferences(p, { type: 'alert', priority: 'high', category: 'billing' }, 'sms')).toEqual({ allowed: true });
    expect(checkPreferences(p, { type: 'alert', priority: 'high' }, 'sms')).toEqual({ allowed: true });
  });

  it('an explicit opt-in (true) is not an opt-out', () => {
    const p = profile({ channels: { email: true }, types: { marketing: true }, categories: { promo: true } });
    expect(checkPreferences(p, { type: 'marketing', priority: 'low', category: 'promo' }, 'email')).toEqual({ allowed: true });
  });
});
