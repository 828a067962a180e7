import { readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { eventually, testKafka } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';

describe('routing: normal and low priority email waits for one digest; critical goes at once', () => {
  let herald: TestService;
  let producer: HeraldProducer;

  beforeAll(async () => {
    herald = await startTestService({
      config: isolatedConfig({
        batching: { schedule: '*/2 * * * * *', channels: ['email'], priorities: ['normal', 'low'], maxBatch: 10 },
        digestTemplates: { email: { subject: '{{count}} updates', text: '{{#each items}}* {{title}}\n{{/each}}' } },
      }),
    });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    await api(herald.service, 'PUT', '/api/users/u-dana', { email: 'dana@example.com' });
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
  });

  const status = async (id: string) => (await api(herald.service, 'GET', `/api/notifications/${id}`)).body?.deliveries?.[0];

  it('sends three normal events to one recipient as one digest, marks each sent with the digest id, and sends critical immediately', async () => {
    const events: { id: string }[] = [];
    for (const title of ['Comment on your post', 'New follower', 'Weekly tips']) {
      events.push(await producer.publish({ type: 'transactional', priority: title === 'Weekly tips' ? 'low' : 'normal', recipients: ['u-dana'], channels: ['email'], payload: { title, message: title } }));
    }
    const critical = await producer.publish({ type: 'alert', priority: 'critical', recipients: ['u-dana'], channels: ['email'], payload: { title: 'Login from new device', message: 'Was it you?' } });
    await eventually(async () => (await status(critical.id))?.status === 'sent', 'critical sent');

    const records = await eventually(async () => {
      const all = await Promise.all(events.map((e) => status(e.id)));
      return all.every((r) => r?.status === 'sent') ? all : undefined;
    }, 'batched events sent by the digest');
    const digestIds = new Set(records.map((r) => r.digestId));
    expect(digestIds.size).toBe(1);

    const files = herald.outboxFiles('email');
    expect(files).toHaveLength(2);
    const mails = await Promise.all(files.map((f) => simpleParser(readFileSync(path.join(herald.outboxDir, 'email', f)))));
    const digest = mails.find((m) => m.subject === '3 updates');
    expect(digest?.text).toContain('* Comment on your post');
    expect(digest?.text).toContain('* Weekly tips');
    expect(mails.map((m) => m.subject)).toContain('Login from new device');
  });
});
