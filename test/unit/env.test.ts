import { loadEnv } from '../../src/config/env';
import { ConfigError } from '../../src/shared/errors';

function problem(source: Record<string, string>): string {
  try {
    loadEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEnv', () => {
  it('applies every default to an empty environment', () => {
    expect(loadEnv({})).toEqual({
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_GROUP_ID: 'herald-workers',
      REDIS_URL: 'redis://127.0.0.1:6379',
      HTTP_PORT: 8080,
      HERALD_REDIS_PREFIX: 'herald',
      HERALD_LANES: ['intake', 'bulk'],
      HERALD_API_KEYS: [],
      HERALD_WEBHOOK_SECRETS: [],
      OUTBOX_DIR: './outbox',
      EMAIL_FROM: 'Herald <herald@localhost>',
      LOG_LEVEL: 'info',
    });
  });

  it('asks for the three Twilio variables together, naming the missing ones', () => {
    expect(() => loadEnv({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` })).toThrow(
      /TWILIO_AUTH_TOKEN, TWILIO_FROM: Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM together/,
    );
    expect(() => loadEnv({ TWILIO_ACCOUNT_SID: 'SK123', TWILIO_AUTH_TOKEN: 'x'.repeat(32), TWILIO_FROM: '+14155550100' })).toThrow(
      /TWILIO_ACCOUNT_SID: a Twilio account SID is AC followed by 32 hex digits/,
    );
    const env = loadEnv({
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x'.repeat(32),
      TWILIO_FROM: '+14155550100',
      HERALD_WEBHOOK_SECRETS: 'whsec_a, whsec_b',
    });
    expect(env.TWILIO_FROM).toBe('+14155550100');
    expect(env.HERALD_WEBHOOK_SECRETS).toEqual(['whsec_a', 'whsec_b']);
  });

  it('treats blank variables as unset', () => {
    expect(loadEnv({ KAFKA_BROKERS: '', HTTP_PORT: '', HERALD_CONFIG: '' })).toMatchObject({ KAFKA_BROKERS: ['127.0.0.1:9092'], HTTP_PORT: 8080 });
  });

  it('splits and trims lists', () => {
    const env = loadEnv({ KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092,', HERALD_API_KEYS: ' key-a ,key-b', HTTP_PORT: '0' });
    expect(env.KAFKA_BROKERS).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(env.HERALD_API_KEYS).toEqual(['key-a', 'key-b']);
    expect(env.HTTP_PORT).toBe(0);
  });

  it('ignores variables it does not declare', () => {
    expect(loadEnv({ PATH: '/usr/bin', HOME: '/root' })).not.toHaveProperty('PATH');
  });

  it('names a broker that is not host:port', () => {
    expect(problem({ KAFKA_BROKERS: 'kafka-1:9092,kafka-2' })).toMatch(/KAFKA_BROKERS\.1: each broker must be host:port/);
  });

  it('refuses a broker list with no broker', () => {
    expect(problem({ KAFKA_BROKERS: ' , ' })).toMatch(/KAFKA_BROKERS: /);
  });

  it.each(['http', '70000', '-1', '80.5'])('names a bad HTTP_PORT %p', (port) => {
    expect(problem({ HTTP_PORT: port })).toMatch(/^Invalid environment:\n {2}HTTP_PORT: .+\nFix the variables above and start again\.$/);
  });

  it('reads REDIS_CLUSTER_NODES as a host:port list, unset by default', () => {
    expect(loadEnv({})).not.toHaveProperty('REDIS_CLUSTER_NODES');
    expect(loadEnv({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7001, redis-2:7002,' }).REDIS_CLUSTER_NODES).toEqual(['10.0.0.1:7001', 'redis-2:7002']);
  });

  it('names a cluster node that is not host:port, and an empty node list', () => {
    expect(problem({ REDIS_CLUSTER_NODES: '127.0.0.1:7001,127.0.0.1' })).toMatch(
      /REDIS_CLUSTER_NODES\.1: each cluster node must be host:port, such as 127\.0\.0\.1:7001/,
    );
    expect(problem({ REDIS_CLUSTER_NODES: ' , ' })).toMatch(/REDIS_CLUSTER_NODES: list at least one cluster node as host:port/);
  });

  it('refuses a REDIS_URL database other than 0 with a cluster, which has only database 0', () => {
    expect(problem({ REDIS_CLUSTER_NODES: '127.0.0.1:7001', REDIS_URL: 'redis://:pw@127.0.0.1:6379/2' })).toMatch(
      /REDIS_URL: selects database 2, but a Redis Cluster has only database 0/,
    );
    expect(loadEnv({ REDIS_CLUSTER_NODES: '127.0.0.1:7001', REDIS_URL: 'redis://:pw@127.0.0.1:6379/0' }).REDIS_CLUSTER_NODES).toEqual(['127.0.0.1:7001']);
    expect(loadEnv({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).REDIS_URL).toBe('redis://127.0.0.1:6379/2');
  });

  it('reads HERALD_LANES as one lane or both, each once', () => {
    expect(loadEnv({ HERALD_LANES: 'intake' }).HERALD_LANES).toEqual(['intake']);
    expect(loadEnv({ HERALD_LANES: ' bulk , intake ' }).HERALD_LANES).toEqual(['bulk', 'intake']);
    expect(problem({ HERALD_LANES: 'intake,fast' })).toMatch(/HERALD_LANES\.1: "fast" is not a lane; use intake, bulk or intake,bulk/);
    expect(problem({ HERALD_LANES: ',' })).toMatch(/HERALD_LANES: name at least one lane: intake, bulk or intake,bulk/);
    expect(problem({ HERALD_LANES: 'bulk,bulk' })).toMatch(/HERALD_LANES: name each lane once/);
  });

  it('lists every bad variable at once', () => {
    const message = problem({ REDIS_URL: 'not a url', LOG_LEVEL: 'loud' });
    expect(message).toMatch(/REDIS_URL: /);
    expect(message).toMatch(/LOG_LEVEL: /);
  });
});
