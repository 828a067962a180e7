import { capsFor } from '../../../src/routing/frequency-caps';
import type { FrequencyCapConfig } from '../../../src/config/schema';

const cap = (name: string, extra: Partial<FrequencyCapConfig> = {}): FrequencyCapConfig => ({
  name,
  max: 3,
  window: 86_400_000,
  onExceed: 'drop',
  bypassPriorities: ['critical'],
  ...extra,
});

const names = (caps: FrequencyCapConfig[]) => caps.map((c) => c.name);

describe('which frequency caps apply to an event on a channel', () => {
  it('a cap with no lists applies to every type, category and channel', () => {
    const caps = [cap('all')];
    expect(names(capsFor(caps, { type: 'marketing', priority: 'low' }, 'email'))).toEqual(['all']);
    expect(names(capsFor(caps, { type: 'alert', category: 'billing', priority: 'high' }, 'webhook'))).toEqual(['all']);
  });

  it('matches only the listed types', () => {
    const caps = [cap('marketing', { types: ['marketing'] })];
    expect(names(capsFor(caps, { type: 'marketing', priority: 'normal' }, 'email'))).toEqual(['marketing']);
    expect(capsFor(caps, { type: 'transactional', priority: 'normal' }, 'email')).toEqual([]);
  });

  it('matches only the listed categories, and never an event without a category', () => {
    const caps = [cap('promo', { categories: ['promo', 'newsletter'] })];
    expect(names(capsFor(caps, { type: 'marketing', category: 'newsletter', priority: 'normal' }, 'email'))).toEqual(['promo']);
    expect(capsFor(caps, { type: 'marketing', category: 'security', priority: 'normal' }, 'email')).toEqual([]);
    expect(capsFor(caps, { type: 'marketing', priority: 'normal' }, 'email')).toEqual([]);
  });

  it('matches only the listed channels', () => {
    const caps = [cap('sms-only', { channels: ['sms'] })];
    expect(names(capsFor(caps, { type: 'alert', priority: 'high' }, 'sms'))).toEqual(['sms-only']);
    expect(capsFor(caps, { type: 'alert', priority: 'high' }, 'push')).toEqual([]);
  });

  it('lets bypass priorities through every cap (critical by default)', () => {
    const caps = [cap('default'), cap('strict', { bypassPriorities: [] }), cap('lenient', { bypassPriorities: ['critical', 'high'] })];
    expect(names(capsFor(caps, { type: 'alert', priority: 'critical' }, 'sms'))).toEqual(['strict']);
    expect(names(capsFor(caps, { type: 'alert', priority: 'high' }, 'sms'))).toEqual(['default', 'strict']);
    expect(names(capsFor(caps, { type: 'alert', priority: 'low' }, 'sms'))).toEqual(['default', 'strict', 'lenient']);
  });

  it('needs every given list to match, and keeps config order', () => {
    const caps = [cap('b', { types: ['marketing'], channels: ['push'] }), cap('a', { types: ['marketing'], categories: ['promo'], channels: ['push', 'sms'] })];
    expect(names(capsFor(caps, { type: 'marketing', category: 'promo', priority: 'low' }, 'push'))).toEqual(['b', 'a']);
    expect(names(capsFor(caps, { type: 'marketing', category: 'promo', priority: 'low' }, 'sms'))).toEqual(['a']);
    expect(capsFor(caps, { type: 'alert', category: 'promo', priority: 'low' }, 'push')).toEqual([]);
  });

  it('no caps configured: nothing applies', () => {
    expect(capsFor([], { type: 'marketing', priority: 'low' }, 'email')).toEqual([]);
  });
});
