import { randomBytes } from 'node:crypto';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { eventually, testKafka, uniqueName } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';
import { deliveryReaching } from '../failures/failure-support';

/**
 * Names from events and profiles are looked up as own entries only: a user id, a category or a
 * template named like a property of Object's prototype (`constructor`, `__proto__`, `toString`)
 * is just a name, through a running herald on real Kafka, Redis, SMTP and HTTP.
 */
describe('names that are properties of Object.prototype', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let hooks: WebhookReceiver;
  const ada = uniqueName('ada');

  beforeAll(async () => {
    smtp = await startSmtpSink();
    hooks = await startWebhookReceiver();
    const config = isolatedConfig({ channels: { webhook: { allowPrivateAddresses: true, users: { [ada]: hooks.url('/ada') } } } });
    const env = { SMTP_URL: smtp.url, HERALD_WEBHOOK_SECRETS: `whsec_${randomBytes(32).toString('base64')}` };
    herald = await startTestService({ config, env });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
    await hooks?.close();
    await smtp?.close();
  });

  const putUser = async (id: string, profile: Record<string, unknown>) =>
    expect((await api(herald.service, 'PUT', `/api/users/${id}`, profile)).status).toBe(200);
  const publish = (recipient: string, extra: { channels?: ('email' | 'webhook')[]; category?: string; template?: string } = {}) =>
    producer.publish({
      type: 'transactional',
      priority: 'high',
      recipients: [recipient],
      channels: ['email'],
      payload: { title: 'Hi', message: 'Body' },
      ...extra,
    });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'user "%s" asking for webhook is failed no_address: not sent, not a crash, and its email goes out',
    async (userId) => {
      await putUser(userId, { email: `${uniqueName('proto')}@example.com` });
      const { id } = await publish(userId, { channels: ['webhook', 'email'] });
      expect(await deliveryReaching(herald.service, id, 'webhook', 'failed')).toMatchObject({ recipientId: userId, reason: 'no_address' });
      await deliveryReaching(herald.service, id, 'email', 'sent');
      expect(hooks.requests).toHaveLength(0);
    },
  );

  it('a user listed under channels.webhook.users still gets its webhook', async () => {
    await putUser(ada, {});
    await publish(ada, { channels: ['webhook'] });
    await eventually(async () => hooks.requests.some((r) => r.url === '/ada'), 'the webhook to ada');
    expect(hooks.requests).toHaveLength(1);
  });

  it('categories and templates named like prototype properties are names: an opt-out of "constructor" holds, "toString" is not an opt-out', async () => {
    const optedOut = uniqueName('optout');
    await putUser(optedOut, { email: `${optedOut}@example.com`, preferences: { categories: { constructor: false } } });
    const skipped = await publish(optedOut, { category: 'constructor' });
    expect(await deliveryReaching(herald.service, skipped.id, 'email', 'skipped')).toMatchObject({ reason: 'opted_out_category' });
    const other = await publish(optedOut, { category: 'toString', template: 'constructor' });
    await deliveryReaching(herald.service, other.id, 'email', 'sent');
  });
});
