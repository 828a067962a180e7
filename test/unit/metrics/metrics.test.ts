import { createMetrics } from '../../../src/metrics/metrics';

describe('createMetrics', () => {
  it('builds independent registries, so two instances never share counts', async () => {
    const a = createMetrics();
    const b = createMetrics();

    a.deliveries.inc({ channel: 'email', provider: 'smtp', outcome: 'sent' });
    a.deliveries.inc({ channel: 'email', provider: 'smtp', outcome: 'sent' });

    expect(a.registry).not.toBe(b.registry);
    expect(await a.registry.getSingleMetricAsString('herald_deliveries_total')).toContain(
      'herald_deliveries_total{channel="email",provider="smtp",outcome="sent"} 2',
    );
    expect(await b.registry.getSingleMetricAsString('herald_deliveries_total')).not.toContain('outcome="sent"');
  });

  it('registers every herald metric and the default process metrics in its own registry', async () => {
    const { registry } = createMetrics();
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);

    expect(names).toEqual(
      expect.arrayContaining([
        'herald_events_consumed_total',
        'herald_deliveries_total',
        'herald_provider_send_seconds',
        'herald_dlq_messages_total',
        'herald_digests_sent_total',
        'herald_batch_items_total',
        'herald_end_to_end_seconds',
        'herald_http_requests_total',
        'process_cpu_user_seconds_total',
      ]),
    );
  });
});
