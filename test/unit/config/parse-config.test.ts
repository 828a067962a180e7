import bundled from '../../../config/notification-config';
import { parseConfig } from '../../../src/config/load-config';
import { ConfigError } from '../../../src/shared/errors';

/** The ConfigError message `raw` produces. */
function problem(raw: unknown): string {
  try {
    parseConfig(raw, 'test-config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).retriable).toBe(false);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('accepts the bundled config/notification-config.ts', () => {
    const config = parseConfig(bundled);
    expect(config.kafka.topics.incoming).toBe('notifications.incoming');
    expect(config.channels.email.rateLimit).toEqual({ perSecond: 50, burst: 100 });
    expect(config.channels.in_app.inboxCap).toBe(100);
  });

  it('fills every default from an empty object', () => {
    const config = parseConfig({});
    expect(config.kafka).toMatchObject({ clientId: 'herald', partitions: 6, replicationFactor: 1 });
    expect(config.kafka.topics).toEqual({
      incoming: 'notifications.incoming',
      dlq: 'notifications.dlq',
      status: 'notifications.status',
      bulk: 'notifications.incoming.bulk',
    });
    expect(config.channels.sms).toEqual({
      enabled: true,
      batchSize: 10,
      maxAttempts: 5,
      providerRateLimits: {},
      strategy: 'fallback',
      retry: { baseDelayMs: 1_000, maxDelayMs: 300_000 },
      breaker: { errorThresholdPercentage: 50, volumeThreshold: 5, rollingWindowMs: 10_000, resetTimeoutMs: 30_000, timeoutMs: 45_000 },
      maxSegments: 4,
    });
    expect(config.channels.in_app.inboxCap).toBe(100);
    expect(config.channels.webhook).toMatchObject({ endpoints: {}, users: {} });
    expect(config.retries).toEqual({ pollIntervalMs: 500, claimLeaseMs: 60_000, claimBatch: 50, maxRateWaitMs: 1_000, detachAfterMs: 1_000 });
    expect(config.batching.schedule).toBe('*/5 * * * *');
    expect(config.priorities.critical.batchingAllowed).toBe(false);
  });

  it('names the file, the field and the fix for a bad cron expression', () => {
    const message = problem({ batching: { schedule: 'every five minutes' } });
    expect(message).toContain('Invalid configuration in test-config.json');
    expect(message).toContain('batching.schedule: not a valid cron expression that ever fires; use five fields like "*/5 * * * *"');
  });

  it('explains the mistakes of the issue-4 blocks: digest rules, caps, windows, durations, cron that never fires', () => {
    expect(problem({ batching: { schedule: '0 0 30 2 *' } })).toContain('batching.schedule: not a valid cron expression that ever fires');
    const twoUnnamed = {
      batching: {
        rules: [
          { channel: 'email', categories: ['social'], window: { every: '1h' } },
          { channel: 'email', window: { every: '1d' } },
        ],
      },
    };
    expect(problem(twoUnnamed)).toContain('batching.rules.1.name: two digest rules are named "email-all" (given or by default)');
    expect(problem({ batching: { rules: [{ channel: 'email', window: { every: '1h', cron: '0 9 * * *' } }] } })).toContain(
      'batching.rules.0.window: give exactly one of every or cron',
    );
    expect(problem({ batching: { rules: [{ channel: 'email', window: { every: 'soon' } }] } })).toContain(
      '"soon" is not a duration such as "90s", "15m", "2h", "1d" or ISO 8601 "PT15M"',
    );
    expect(problem({ batching: { rules: [{ channel: 'push', priorities: ['high'], window: { every: '1h' } }] } })).toContain(
      'priority "high" is batched by this rule but priorities.high.batchingAllowed is false',
    );
    expect(problem({ batching: { rules: [{ channel: 'email', window: { cron: '0 9 * * *', timeZone: 'Mars/Olympus' } }] } })).toContain(
      'not an IANA time zone',
    );
    expect(problem({ batching: { rules: [{ channel: 'email', template: 'nope', window: { every: '1h' } }] } })).toContain('no template "nope" under templates');
    const twoCaps = {
      frequencyCaps: [
        { name: 'm', max: 3, window: '1d' },
        { name: 'm', max: 1, window: '1h' },
      ],
    };
    expect(problem(twoCaps)).toContain('frequencyCaps.1.name: frequency cap "m" is defined twice');
    expect(problem({ kafka: { topics: { bulk: 'notifications.incoming' } } })).toContain('kafka.topics.bulk: the bulk lane must be a topic of its own');
  });

  it('reads durations in config as milliseconds', () => {
    const config = parseConfig({
      frequencyCaps: [{ name: 'daily', max: 3, window: '1d' }],
      batching: { rules: [{ channel: 'email', window: { every: 'PT15M' } }] },
      scheduling: { maxHorizon: '30d' },
    });
    expect(config.frequencyCaps[0]!.window).toBe(86_400_000);
    expect(config.batching.rules[0]!.window.every).toBe(900_000);
    expect(config.scheduling.maxHorizon).toBe(30 * 86_400_000);
    expect(config.priorities.low.maxAge).toBe(72 * 3_600_000);
  });

  it('names an unknown provider with the ones the channel has', () => {
    expect(problem({ channels: { sms: { providers: ['twilio', 'vonage'] } } })).toContain(
      'channels.sms.providers.1: unknown sms provider "vonage"; use one of twilio, sms-outbox',
    );
    expect(problem({ channels: { push: { providerRateLimits: { apns: { perSecond: 1 } } } } })).toContain(
      'channels.push.providerRateLimits.apns: unknown push provider "apns"',
    );
    expect(problem({ channels: { email: { providers: ['smtp', 'smtp'] } } })).toContain('channels.email.providers: a provider is listed twice');
  });

  it('asks for exactly one of perSecond and perMinute', () => {
    expect(problem({ channels: { sms: { rateLimit: { perSecond: 1, perMinute: 60 } } } })).toContain(
      'channels.sms.rateLimit: give exactly one of perSecond or perMinute',
    );
    expect(problem({ channels: { sms: { rateLimit: { burst: 5 } } } })).toContain('give exactly one of perSecond or perMinute');
    expect(parseConfig({ channels: { sms: { rateLimit: { perMinute: 600, burst: 20 } } } }).channels.sms.rateLimit).toEqual({ perMinute: 600, burst: 20 });
  });

  it('refuses a webhook endpoint that is not an http(s) URL, and a backoff whose base exceeds its cap', () => {
    expect(problem({ channels: { webhook: { endpoints: { acme: 'ftp://acme.example/x' } } } })).toMatch(
      /channels\.webhook\.endpoints\.acme: must be an http\(s\) URL/,
    );
    expect(problem({ channels: { email: { retry: { baseDelayMs: 10_000, maxDelayMs: 1_000 } } } })).toContain(
      'channels.email.retry: baseDelayMs must not exceed maxDelayMs',
    );
  });

  it('names the field of a negative rate', () => {
    expect(problem({ channels: { sms: { rateLimit: { perSecond: -5 } } } })).toMatch(/channels\.sms\.rateLimit\.perSecond: .*>0/);
  });

  it('refuses batching a priority that does not allow batching', () => {
    expect(problem({ batching: { priorities: ['high', 'low'] } })).toContain(
      'batching.priorities: priority "high" is listed for batching but priorities.high.batchingAllowed is false; remove it or allow batching',
    );
  });

  it('refuses an unknown channel key', () => {
    // Reported at the key itself, with what to do about it.
    expect(problem({ channels: { fax: { enabled: true } } })).toContain('channels.fax: unknown field "fax"\n    fix: remove it or check its spelling');
  });

  it('refuses an unknown channel in batching.channels at its index', () => {
    expect(problem({ batching: { channels: ['email', 'pigeon'] } })).toMatch(/batching\.channels\.1: /);
  });

  it('lists several problems at once', () => {
    const message = problem({ kafka: { partitions: 0 }, dedup: { ttlSeconds: 1.5 } });
    expect(message).toMatch(/kafka\.partitions: /);
    expect(message).toMatch(/dedup\.ttlSeconds: /);
    expect(message).toMatch(/see docs\/configuration\.md for every field and its default/);
  });

  it('names (root) when the config is not an object', () => {
    expect(problem('email')).toMatch(/ {2}\(root\): /);
  });
});
