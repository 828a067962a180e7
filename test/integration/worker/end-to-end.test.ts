import { readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { testKafka, eventually } from '../../support/infra';
import { api, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { readTopic, readWholeTopic } from '../../support/read-topic';

describe('events flow end to end on a real broker and Redis', () => {
  let herald: TestService;
  let producer: HeraldProducer;

  beforeAll(async () => {
    herald = await startTestService({
      config: isolatedConfig({
        templates: {
          welcome: {
            email: { subject: 'Welcome {{payload.name}}', text: 'Hi {{payload.name}}', html: '<p>Hi {{payload.name}}</p>' },
            in_app: { title: 'Welcome', text: 'Hi {{payload.name}}' },
          },
        },
      }),
    });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    await api(herald.service, 'PUT', '/api/users/u-alice', { email: 'alice@example.com', locale: 'en', pushTokens: ['tok-1'] });
    await api(herald.service, 'PUT', '/api/users/u-bob', { email: 'bob@example.com', preferences: { channels: { email: false } } });
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
  });

  const deliveries = async (id: string) =>
    (await api(herald.service, 'GET', `/api/notifications/${id}`)).body?.deliveries as
      { recipientId: string; channel: string; status: string; reason?: string }[] | undefined;

  it('sends a critical event to email (.eml with escaped HTML) and in-app, recording email sent and in-app delivered', async () => {
    const { id } = await producer.publish({
      type: 'transactional',
      priority: 'critical',
      template: 'welcome',
      recipients: ['u-alice'],
      channels: ['email', 'in_app'],
      payload: { name: '<Alice & co>' },
    });
    const records = await eventually(async () => {
      const d = await deliveries(id);
      return d?.length === 2 && d.every((r) => r.status === (r.channel === 'in_app' ? 'delivered' : 'sent')) ? d : undefined;
    }, 'email sent and in-app delivered');
    expect(records.map((r) => r.channel).sort()).toEqual(['email', 'in_app']);
    // The change feed carries every step: pending, sent, and for the inbox (the receiver itself) delivered.
    const changes = await eventually(async () => {
      const all = (await readWholeTopic(herald.config.kafka.topics.status)).map((m) => m.value as { eventId: string; channel: string; status: string });
      const mine = all.filter((c) => c.eventId === id);
      return mine.length >= 5 ? mine : undefined;
    }, 'five status changes of the event');
    expect(changes.filter((c) => c.channel === 'email').map((c) => c.status)).toEqual(['pending', 'sent']);
    expect(changes.filter((c) => c.channel === 'in_app').map((c) => c.status)).toEqual(['pending', 'sent', 'delivered']);

    const [file] = herald.outboxFiles('email');
    const mail = await simpleParser(readFileSync(path.join(herald.outboxDir, 'email', file!)));
    expect(mail.subject).toBe('Welcome <Alice & co>');
    expect(mail.html).toContain('&lt;Alice &amp; co&gt;');
    expect((mail.to as { text: string }).text).toBe('alice@example.com');

    const inbox = await api(herald.service, 'GET', '/api/users/u-alice/inbox');
    expect(inbox.status).toBe(200);
    expect(inbox.body.items ?? inbox.body).toEqual(expect.arrayContaining([expect.objectContaining({ eventId: id })]));
  });

  it('records an unknown user, an opt-out and a missing address instead of dropping them', async () => {
    const { id } = await producer.publish({
      type: 'marketing',
      priority: 'high',
      recipients: ['u-nobody', 'u-bob', 'email:carol@example.com'],
      channels: ['email', 'sms'],
      payload: { title: 'Sale', message: 'Everything half price' },
    });
    const records = await eventually(async () => {
      const d = await deliveries(id);
      return d?.length === 6 && d.every((r) => r.status !== 'sending' && r.status !== 'pending') ? d : undefined;
    }, 'six settled records');
    const byKey = Object.fromEntries(
      records.map((r) => [`${r.recipientId.startsWith('direct:') ? 'carol' : r.recipientId}|${r.channel}`, `${r.status}:${r.reason ?? ''}`]),
    );
    expect(byKey).toEqual({
      'u-nobody|email': 'failed:unknown_user',
      'u-nobody|sms': 'failed:unknown_user',
      'u-bob|email': 'skipped:opted_out_channel',
      'u-bob|sms': 'failed:no_address',
      'carol|email': 'sent:',
      'carol|sms': 'failed:no_address',
    });
  });

  it('accepts the short form on POST /api/notify and delivers it', async () => {
    const response = await api(herald.service, 'POST', '/api/notify', {
      type: 'alert',
      priority: 'critical',
      recipients: ['u-alice'],
      channels: ['push'],
      payload: { message: 'Test' },
    });
    expect(response.status).toBe(202);
    await eventually(async () => (await deliveries(response.body.id))?.[0]?.status === 'sent', 'push delivery sent');
    expect(herald.outboxFiles('push')).toHaveLength(1);
  });

  const shortCritical = { type: 'alert', priority: 'critical', channels: ['in_app'], payload: { message: 'now' } };

  it('keys API events like the producer client (by the single recipient, else by deduplicationKey) and writes each to its lane', async () => {
    const single = await api(herald.service, 'POST', '/api/notify', {
      type: 'alert',
      priority: 'low',
      recipients: ['u-alice'],
      channels: ['in_app'],
      payload: { message: 'one' },
    });
    const multi = await api(herald.service, 'POST', '/api/notify', {
      type: 'alert',
      priority: 'low',
      recipients: ['u-alice', 'u-bob'],
      channels: ['in_app'],
      deduplicationKey: 'broadcast-7',
      payload: { message: 'many' },
    });
    // Low priority: the API writes them straight to the bulk lane's topic (src/client/lane-topic.ts), as HeraldProducer with bulkTopic does.
    const messages = await readTopic(herald.config.kafka.topics.bulk, 100, 5_000);
    const byId = Object.fromEntries(messages.map((m) => [m.value.id, m]));
    expect(byId[single.body.id]).toMatchObject({
      key: 'u-alice',
      headers: { 'herald-schema-version': '2', 'content-type': 'application/json', 'herald-priority': 'low' },
    });
    expect(byId[single.body.id]?.headers).not.toHaveProperty('herald-origin');
    expect(byId[multi.body.id]?.key).toBe('broadcast-7');
    // A critical one goes to the incoming topic, handled at intake.
    const critical = await api(herald.service, 'POST', '/api/notify', { ...shortCritical, recipients: ['u-alice'] });
    const incoming = await readTopic(herald.config.kafka.topics.incoming, 100, 5_000);
    expect(incoming.find((m) => m.value.id === critical.body.id)).toMatchObject({ key: 'u-alice', headers: { 'herald-priority': 'critical' } });
  });
});
