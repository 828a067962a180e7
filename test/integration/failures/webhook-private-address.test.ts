import { randomBytes } from 'node:crypto';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { testKafka } from '../../support/infra';
import { isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';
import { deadLettersOf, deliveryReaching } from './failure-support';

/**
 * A webhook endpoint whose name resolves to a loopback address, through the real service with
 * `channels.webhook.allowPrivateAddresses` left off: a signed POST must never reach what sits on
 * the host or its network (a metadata service, an admin port). The URL passes the config check
 * (it names a host, not an IP); the address is refused when connecting, after DNS.
 */
describe('webhooks to private addresses, allowPrivateAddresses off (the default)', () => {
  const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
  let herald: TestService;
  let producer: HeraldProducer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    const local = receiver.url('/hooks/herald').replace('127.0.0.1', 'localhost');
    const config = isolatedConfig({ channels: { webhook: { endpoints: { local }, retry: { baseDelayMs: 100, maxDelayMs: 200 } } } });
    herald = await startTestService({ config, env: { HERALD_WEBHOOK_SECRETS: SECRET } });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
    await receiver?.close();
  });

  it('dead-letters the delivery at its first attempt with webhook_private_address, naming the switch, and the receiver gets nothing', async () => {
    const { id: eventId } = await producer.publish({
      type: 'alert',
      priority: 'high',
      recipients: ['webhook:local'],
      channels: ['webhook'],
      payload: { title: 'Internal', message: 'must not arrive' },
    });

    const record = await deliveryReaching(herald.service, eventId, 'webhook', 'dead-lettered');
    expect(record).toMatchObject({ recipientId: 'webhook:local', provider: 'webhook', attempts: 1, reason: 'webhook_private_address' });
    expect(record.detail).toContain('resolves to 127.0.0.1, a loopback (127.0.0.0/8) address');
    expect(record.detail).toContain('set channels.webhook.allowPrivateAddresses to true');
    const [letter, ...more] = await deadLettersOf(herald.config.kafka.topics.dlq, eventId);
    expect(more).toEqual([]);
    expect(letter!.value).toMatchObject({ reason: 'webhook_private_address' });
    expect(receiver.requests).toHaveLength(0);
  });
});
