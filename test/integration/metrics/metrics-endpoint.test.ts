import { HeraldProducer } from '../../../src/client/herald-producer';
import { eventually, testKafka } from '../../support/infra';
import { isolatedConfig, startTestService, type TestService } from '../../support/service-harness';

/** Value of the sample `name{labels}` in Prometheus text (labels matched as given, in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics of a running service', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  const scrape = async () => (await fetch(`${herald.service.url}/metrics`)).text();

  beforeAll(async () => {
    herald = await startTestService({
      config: isolatedConfig({
        // One SMS every 250 ms, no burst beyond one: a critical event to four phones has to wait for tokens.
        channels: { sms: { rateLimit: { perSecond: 4, burst: 1 } } },
        retries: { maxRateWaitMs: 5_000, detachAfterMs: 10_000 },
      }),
    });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
  });

  it('shows lag of both groups, queue wait of both lanes, retry depth, digest backlog, budgets, rate-limit waits and process metrics', async () => {
    const { kafka } = herald.config;
    const groupId = herald.env.KAFKA_GROUP_ID;
    await producer.publish({
      type: 'alert',
      priority: 'critical',
      recipients: ['phone:+14155550101', 'phone:+14155550102', 'phone:+14155550103', 'phone:+14155550104'],
      channels: ['sms'],
      payload: { message: 'Disk full' },
    });
    // Normal email is batched by the default digest rule (every 5 minutes): a window waits in the backlog.
    await producer.publish({
      type: 'marketing',
      priority: 'normal',
      recipients: ['email:dana@example.com'],
      channels: ['email'],
      payload: { title: 'News', message: 'Weekly' },
    });

    const text = await eventually(async () => {
      const t = await scrape();
      const sent = herald.outboxFiles('sms').length === 4;
      const bothLanes =
        (sample(t, 'herald_queue_wait_seconds_count', { lane: 'intake', priority: 'critical' }) ?? 0) > 0 &&
        (sample(t, 'herald_queue_wait_seconds_count', { lane: 'bulk', priority: 'normal' }) ?? 0) > 0;
      return sent && bothLanes && (sample(t, 'herald_digest_backlog_windows', { state: 'waiting' }) ?? 0) >= 1 ? t : undefined;
    }, 'four SMS sent, both lanes observed and a digest window waiting');

    for (const [group, topic] of [
      [groupId, kafka.topics.incoming],
      [`${groupId}.bulk`, kafka.topics.bulk],
    ] as const) {
      for (const partition of ['0', '1', '2']) expect(sample(text, 'herald_consumer_lag_messages', { group, topic, partition })).toBeGreaterThanOrEqual(0);
    }
    expect(sample(text, 'herald_consumer_lag_errors_total')).toBe(0);
    expect(sample(text, 'herald_retry_store_depth', { channel: 'sms' })).toBe(0);
    expect(sample(text, 'herald_digest_backlog_windows', { state: 'due' })).toBe(0);
    expect(sample(text, 'herald_digest_oldest_due_seconds')).toBe(0);
    expect(sample(text, 'herald_latency_budget_seconds', { priority: 'critical' })).toBe(5);
    expect(sample(text, 'herald_latency_budget_seconds', { priority: 'low' })).toBe(3600);
    expect(sample(text, 'herald_queue_wait_seconds_bucket', { lane: 'intake', priority: 'critical', le: '+Inf' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);

    // Three of the four sends found the bucket empty and were granted a token after waiting.
    const waited = sample(text, 'herald_rate_limit_waits_total', { channel: 'sms', outcome: 'granted_after_wait' }) ?? 0;
    expect(waited).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'herald_rate_limit_waits_total', { channel: 'sms', outcome: 'deferred' })).toBeUndefined();
    expect(sample(text, 'herald_rate_limit_wait_seconds_count', { channel: 'sms' })).toBe(waited);
    expect(sample(text, 'herald_rate_limit_wait_seconds_sum', { channel: 'sms' })).toBeGreaterThanOrEqual(0.5);

    // Once the groups have committed, the lag read at scrape time drops to zero everywhere.
    await eventually(
      async () => {
        const t = await scrape();
        const rows = t.split('\n').filter((l) => l.startsWith('herald_consumer_lag_messages{'));
        return rows.length === 6 && rows.every((l) => l.endsWith(' 0'));
      },
      'consumer lag 0 on every partition of both groups',
      30_000,
    );
  });
});
