import { HeraldProducer } from '../../../src/client/herald-producer';
import { captureLogger } from '../../support/capture-logger';
import { testKafka, freePort } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { deadLettersOf, deliveryReaching } from './failure-support';

/** Nothing listens at SMTP_URL: email is retried and dead-lettered; in-app of the same event is sent regardless. */
describe('SMTP server down', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  const logs = captureLogger();

  beforeAll(async () => {
    const port = await freePort();
    herald = await startTestService({
      config: isolatedConfig({ channels: { email: { maxAttempts: 3, retry: { baseDelayMs: 200, maxDelayMs: 1_000 } } }, retries: { pollIntervalMs: 100 } }),
      env: { SMTP_URL: `smtp://127.0.0.1:${port}` },
      logger: logs.logger,
    });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    await api(herald.service, 'PUT', '/api/users/u-down', { email: 'down@example.com' });
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
  });

  it('dead-letters email smtp_unavailable after maxAttempts (retriable) while in-app is sent', async () => {
    const { id } = await producer.publish({
      type: 'alert',
      priority: 'high',
      recipients: ['u-down'],
      channels: ['email', 'in_app'],
      payload: { title: 'Disk', message: 'Almost full' },
    });

    const email = await deliveryReaching(herald.service, id, 'email', 'dead-lettered');
    expect(email).toMatchObject({ provider: 'smtp', attempts: 3, reason: 'smtp_unavailable' });
    expect(await deliveryReaching(herald.service, id, 'in_app', 'delivered')).toMatchObject({ provider: 'in-app', attempts: 1 });
    const inbox = await api(herald.service, 'GET', '/api/users/u-down/inbox');
    expect((inbox.body.items ?? inbox.body) as unknown[]).toEqual([expect.objectContaining({ eventId: id, title: 'Disk' })]);

    const letters = await deadLettersOf(herald.config.kafka.topics.dlq, id);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.value).toMatchObject({ kind: 'delivery_failed', reason: 'smtp_unavailable', event: { id } });
    expect(letters[0]!.value.delivery).toEqual({ recipientId: 'u-down', channel: 'email', provider: 'smtp', attempts: 3, retriable: true });
    expect(logs.lines().filter((l) => l.eventId === id && l.decision === 'deferred')).toHaveLength(2);
    expect(logs.text()).not.toContain('down@example.com');
  });
});
