import { parseConfig } from '../../../src/config/load-config';
import type { HeraldConfig } from '../../../src/config/schema';
import { CHANNELS } from '../../../src/contract/vocabulary';
import { digestRuleFor, type RuleEvent } from '../../../src/digests/digest-rules';
import type { Channel } from '../../../src/contract/vocabulary';

/** Where the planner sends a delivery (src/routing/plan-deliveries.ts): into a digest when a rule matches, else out at once. */
const routeDelivery = (event: RuleEvent, channel: Channel, config: Pick<HeraldConfig, 'batching' | 'priorities'>) =>
  digestRuleFor(event, channel, config) ? 'batch' : 'immediate';

const PRIORITY_DEFAULTS = {
  critical: { maxLatencyMs: 5_000, batchingAllowed: false },
  high: { maxLatencyMs: 30_000, batchingAllowed: false },
  normal: { maxLatencyMs: 600_000, batchingAllowed: true },
  low: { maxLatencyMs: 3_600_000, batchingAllowed: true },
};

describe('digestRuleFor: which deliveries go into a digest', () => {
  const defaults = parseConfig({});

  it.each(CHANNELS)('sends critical and high at once on %s', (channel) => {
    expect(routeDelivery({ priority: 'critical' }, channel, defaults)).toBe('immediate');
    expect(routeDelivery({ priority: 'high' }, channel, defaults)).toBe('immediate');
  });

  it('batches normal and low only on batching channels (default: email)', () => {
    for (const priority of ['normal', 'low'] as const) {
      expect(routeDelivery({ priority }, 'email', defaults)).toBe('batch');
      for (const channel of ['sms', 'push', 'in_app'] as const) expect(routeDelivery({ priority }, channel, defaults)).toBe('immediate');
    }
  });

  it('follows the configured batching channels and priorities', () => {
    const config = parseConfig({ batching: { channels: ['push', 'in_app'], priorities: ['low'] } });
    expect(routeDelivery({ priority: 'low' }, 'push', config)).toBe('batch');
    expect(routeDelivery({ priority: 'low' }, 'in_app', config)).toBe('batch');
    expect(routeDelivery({ priority: 'low' }, 'email', config)).toBe('immediate');
    expect(routeDelivery({ priority: 'normal' }, 'push', config)).toBe('immediate');
  });

  it('batches by digest rules when they are given: channel, priorities, types and categories must all match', () => {
    const config = parseConfig({
      batching: {
        channels: ['email'],
        rules: [
          { channel: 'push', types: ['marketing'], priorities: ['low'], window: { every: '1h' } },
          { channel: 'email', categories: ['social'], window: { every: '15m' } },
        ],
      },
    });
    expect(routeDelivery({ priority: 'low', type: 'marketing' }, 'push', config)).toBe('batch');
    expect(routeDelivery({ priority: 'normal', type: 'marketing' }, 'push', config)).toBe('immediate');
    expect(routeDelivery({ priority: 'low', type: 'alert' }, 'push', config)).toBe('immediate');
    expect(routeDelivery({ priority: 'normal', type: 'transactional', category: 'social' }, 'email', config)).toBe('batch');
    expect(routeDelivery({ priority: 'normal', type: 'transactional' }, 'email', config)).toBe('immediate'); // the shorthand's email rule is not added
    expect(routeDelivery({ priority: 'critical', category: 'social' }, 'email', config)).toBe('immediate');
  });

  it('never batches when no channel batches', () => {
    const config = parseConfig({ batching: { channels: [] } });
    for (const channel of CHANNELS) expect(routeDelivery({ priority: 'low' }, channel, config)).toBe('immediate');
  });

  it('never batches a priority whose batchingAllowed is false', () => {
    const config = parseConfig({
      batching: { priorities: ['low'] },
      priorities: { ...PRIORITY_DEFAULTS, normal: { maxLatencyMs: 1_000, batchingAllowed: false } },
    });
    expect(routeDelivery({ priority: 'normal' }, 'email', config)).toBe('immediate');
    expect(routeDelivery({ priority: 'low' }, 'email', config)).toBe('batch');
  });

  it('keeps batchingAllowed false as the last word even if batching.priorities lists it', () => {
    // parseConfig rejects this combination; routing must still not batch if handed one.
    const config: Pick<HeraldConfig, 'batching' | 'priorities'> = {
      batching: { ...defaults.batching, priorities: ['critical', 'high', 'normal', 'low'] },
      priorities: { ...defaults.priorities, low: { maxLatencyMs: 1_000, batchingAllowed: false } },
    };
    expect(routeDelivery({ priority: 'low' }, 'email', config)).toBe('immediate');
    expect(routeDelivery({ priority: 'critical' }, 'email', config)).toBe('immediate');
    expect(routeDelivery({ priority: 'normal' }, 'email', config)).toBe('batch');
  });
});
