import type { Admin, Producer, ProducerRecord } from 'kafkajs';
import { createStatusPublisher } from '../../../src/delivery-state/status-publisher';
import type { StatusChange } from '../../../src/delivery-state/types';
import { testKafka, uniqueName } from '../../support/infra';
import { readTopic } from '../../support/read-topic';

const change = (eventId: string, status: StatusChange['status'], n = 0): StatusChange => ({
  eventId,
  recipientId: `u${n}`,
  channel: 'email',
  status,
  attempts: 1,
  at: new Date(Date.UTC(2026, 0, 31, 9, 0, n)).toISOString(),
});

describe('status publisher on a real broker', () => {
  const kafka = testKafka();
  let admin: Admin;
  let producer: Producer;
  const topics: string[] = [];
  /** The real producer, its sends counted: one per request the publisher makes. */
  let requests: ProducerRecord[];
  let counted: Producer;

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([admin.connect(), producer.connect()]);
    counted = Object.create(producer, { send: { value: (record: ProducerRecord) => (requests.push(record), producer.send(record)) } }) as Producer;
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  async function newTopic(): Promise<string> {
    const topic = uniqueName('status');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    topics.push(topic);
    requests = [];
    return topic;
  }

  it('publishes each change keyed by its event, with its headers, in the order made', async () => {
    const topic = await newTopic();
    const status = createStatusPublisher({ producer: counted, topic });
    await Promise.all([status.publish(change('e1', 'pending')), status.publish(change('e1', 'sent')), status.publish(change('e2', 'failed'))]);
    const read = await readTopic(topic, 3);
    expect(read.map((m) => [m.key, m.headers['herald-status'], m.headers['herald-channel'], m.value.status])).toEqual([
      ['e1', 'pending', 'email', 'pending'],
      ['e1', 'sent', 'email', 'sent'],
      ['e2', 'failed', 'email', 'failed'],
    ]);
    // Made in one turn of the event loop: one request.
    expect(requests).toHaveLength(1);
  });

  it('sends a lone change at once, and the changes made while a request is in flight together in the next one', async () => {
    const topic = await newTopic();
    const status = createStatusPublisher({ producer: counted, topic });
    const first = status.publish(change('e1', 'pending'));
    await new Promise((r) => setImmediate(r));
    // The first request is out (no linger); these 50 wait for it and leave in one more request.
    expect(requests).toHaveLength(1);
    const rest = Array.from({ length: 50 }, (_, i) => status.publish(change(`e${i + 2}`, 'sent', i)));
    await Promise.all([first, ...rest]);
    expect(requests.map((r) => r.messages.length)).toEqual([1, 50]);
    expect(await readTopic(topic, 51)).toHaveLength(51);
  });

  it('under load, lingers after a request so the changes of the next few ms leave together; a full batch does not wait', async () => {
    const topic = await newTopic();
    const status = createStatusPublisher({ producer: counted, topic, lingerMs: 50, maxBatch: 10 });
    const first = status.publish(change('e1', 'pending'));
    await new Promise((r) => setImmediate(r));
    const during = status.publish(change('e2', 'pending'));
    await first;
    // The first request returned with one change waiting: it lingers, and changes made in later turns join it.
    const later: Promise<void>[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 5));
      later.push(status.publish(change(`e${i + 3}`, 'sent', i)));
    }
    expect(requests).toHaveLength(1);
    await Promise.all([during, ...later]);
    expect(requests.map((r) => r.messages.length)).toEqual([1, 4]);
    // A batch filling up while it lingers leaves at once, without waiting out the 50 ms.
    const busy = status.publish(change('e7', 'pending'));
    await new Promise((r) => setImmediate(r));
    const full = [status.publish(change('f0', 'sent'))];
    await busy;
    const lingeredFrom = Date.now();
    for (let i = 1; i < 10; i++) full.push(status.publish(change(`f${i}`, 'sent', i)));
    await Promise.all(full);
    expect(Date.now() - lingeredFrom).toBeLessThan(50);
    expect(requests.map((r) => r.messages.length)).toEqual([1, 4, 1, 10]);
    expect(await readTopic(topic, 16)).toHaveLength(16);
  });

  it('splits what waits into requests of maxBatch changes', async () => {
    const topic = await newTopic();
    const status = createStatusPublisher({ producer: counted, topic, maxBatch: 20 });
    await Promise.all(Array.from({ length: 45 }, (_, i) => status.publish(change(`e${i}`, 'sent', i))));
    expect(requests.map((r) => r.messages.length)).toEqual([20, 20, 5]);
  });

  it('rejects every change of a request the broker did not take, and sends the next changes all the same', async () => {
    const topic = await newTopic();
    let failNext = true;
    const flaky = Object.create(producer, {
      send: { value: (record: ProducerRecord) => (failNext ? ((failNext = false), Promise.reject(new Error('broker unreachable'))) : producer.send(record)) },
    }) as Producer;
    const status = createStatusPublisher({ producer: flaky, topic });
    const failed = [status.publish(change('e1', 'pending')), status.publish(change('e2', 'pending'))];
    await expect(Promise.allSettled(failed)).resolves.toEqual([
      { status: 'rejected', reason: new Error('broker unreachable') },
      { status: 'rejected', reason: new Error('broker unreachable') },
    ]);
    await status.publish(change('e3', 'sent'));
    expect((await readTopic(topic, 1)).map((m) => m.key)).toEqual(['e3']);
  });

  it('flush waits for the request in flight and sends what is waiting', async () => {
    const topic = await newTopic();
    const status = createStatusPublisher({ producer: counted, topic });
    const settled: string[] = [];
    for (let i = 0; i < 5; i++) void status.publish(change(`e${i}`, 'sent', i)).then(() => settled.push(`e${i}`));
    await status.flush();
    // flush resolves after the publishes' own resolutions ran.
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    await expect(status.flush()).resolves.toBeUndefined();
  });
});
