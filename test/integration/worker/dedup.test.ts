import { HeraldProducer } from '../../../src/client/herald-producer';
import type { EventInput } from '../../../src/contract/complete-event';
import { eventually, testKafka } from '../../support/infra';
import { api, startTestService, type TestService } from '../../support/service-harness';

describe('dedup: the same event produced twice is handled once', () => {
  let herald: TestService;
  let producer: HeraldProducer;

  beforeAll(async () => {
    herald = await startTestService();
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
  });

  const base: EventInput = {
    type: 'transactional',
    priority: 'critical',
    recipients: ['email:dedup@example.com'],
    channels: ['email'],
    payload: { title: 'Receipt', message: 'Thanks' },
  };

  it('drops a second event with the same deduplicationKey and a re-published id', async () => {
    const first = await producer.publish({ ...base, deduplicationKey: 'order-42-receipt' });
    await producer.publish({ ...base, deduplicationKey: 'order-42-receipt' });
    const again = await producer.publish({ ...base, id: 'fixed-id-1' });
    await producer.publish({ ...base, id: 'fixed-id-1' });
    // A marker event published last: once it is sent, everything before it on every partition was consumed.
    const marker = await producer.publish({ ...base, id: 'marker-1', recipients: ['email:marker@example.com'] });

    for (const id of [first.id, again.id, marker.id]) {
      await eventually(async () => (await api(herald.service, 'GET', `/api/notifications/${id}`)).body?.deliveries?.[0]?.status === 'sent', `${id} sent`);
    }
    const consumed = async () => {
      const text = await (await fetch(`${herald.service.url}/metrics`)).text();
      return Number(/herald_events_consumed_total\{outcome="duplicate"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    await eventually(async () => (await consumed()) === 2, 'two duplicates counted');
    expect(herald.outboxFiles('email')).toHaveLength(3);
  });
});
