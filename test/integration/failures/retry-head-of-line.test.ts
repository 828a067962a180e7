import { HeraldProducer } from '../../../src/client/herald-producer';
import { eventually, testKafka } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { deliveryReaching } from './failure-support';

/**
 * One hung provider call must not stop a channel's other retries. The retry poller claimed a batch
 * and awaited all of it, so a held SMTP connection (30 s until the socket timeout) stopped every
 * email retry of the worker behind it (found by the chaos run: 3,000 email retries overdue).
 */
describe('retries of a channel while one of them hangs', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    herald = await startTestService({
      config: isolatedConfig({ channels: { email: { batchSize: 2, retry: { baseDelayMs: 100, maxDelayMs: 200 } } }, retries: { pollIntervalMs: 100 } }),
      env: { SMTP_URL: smtp.url },
    });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    await api(herald.service, 'PUT', '/api/users/u-slow', { email: 'slow@example.com' });
    await api(herald.service, 'PUT', '/api/users/u-fast', { email: 'fast@example.com' });
  });

  afterAll(async () => {
    smtp.release();
    await producer.disconnect();
    await herald.stop();
    await smtp.close();
  });

  it('sends a retry that became due while another retry of the channel hangs at the provider', async () => {
    // The first email is deferred once, and its retry then hangs at the SMTP server.
    smtp.refuse('slow@example.com', 451, 1);
    smtp.hold('slow@example.com');
    const slow = await producer.publish({
      type: 'alert',
      priority: 'high',
      recipients: ['u-slow'],
      channels: ['email'],
      payload: { title: 'Slow', message: 'held' },
    });
    await eventually(async () => smtp.waitingCount() === 1 || undefined, 'the slow retry held at the SMTP server');

    // A second email, deferred once too, is retried and sent while the first still hangs.
    smtp.refuse('fast@example.com', 451, 1);
    const fast = await producer.publish({
      type: 'alert',
      priority: 'high',
      recipients: ['u-fast'],
      channels: ['email'],
      payload: { title: 'Fast', message: 'not held' },
    });
    expect(await deliveryReaching(herald.service, fast.id, 'email', 'sent')).toMatchObject({ attempts: 2 });
    expect(smtp.waitingCount()).toBe(1);
    expect(smtp.countTo('fast@example.com')).toBe(1);

    smtp.release();
    expect(await deliveryReaching(herald.service, slow.id, 'email', 'sent')).toMatchObject({ attempts: 2 });
    expect(smtp.countTo('slow@example.com')).toBe(1);
  });
});
