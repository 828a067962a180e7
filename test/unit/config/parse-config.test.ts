import bundled from '../../../config/notification-config';
import { parseConfig } from '../../../src/config/load-config';
import { ConfigError } from '../../../src/errors';

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
    expect(config.kafka.topics).toEqual({ incoming: 'notifications.incoming', dlq: 'notifications.dlq', status: 'notifications.status' });
    expect(config.channels.sms).toEqual({ enabled: true, batchSize: 10, maxAttempts: 3, inboxCap: 100 });
    expect(config.batching.schedule).toBe('*/5 * * * *');
    expect(config.priorities.critical.batchingAllowed).toBe(false);
  });

  it('names the file, the field and the fix for a bad cron expression', () => {
    const message = problem({ batching: { schedule: 'every five minutes' } });
    expect(message).toContain('Invalid configuration in test-config.json');
    expect(message).toContain('batching.schedule: not a valid cron expression; use five fields like "*/5 * * * *"');
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
    expect(problem({ channels: { fax: { enabled: true } } })).toMatch(/channels: Unrecognized key: "fax"/);
  });

  it('refuses an unknown channel in batching.channels at its index', () => {
    expect(problem({ batching: { channels: ['email', 'pigeon'] } })).toMatch(/batching\.channels\.1: /);
  });

  it('lists several problems at once', () => {
    const message = problem({ kafka: { partitions: 0 }, dedup: { ttlSeconds: 1.5 } });
    expect(message).toMatch(/kafka\.partitions: /);
    expect(message).toMatch(/dedup\.ttlSeconds: /);
    expect(message).toMatch(/see README "Configuration"/);
  });

  it('names (root) when the config is not an object', () => {
    expect(problem('email')).toMatch(/ {2}\(root\): /);
  });
});
