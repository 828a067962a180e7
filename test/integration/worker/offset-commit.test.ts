import type { Admin } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { eventually, testKafka } from '../../support/infra';
import { isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';

/**
 * "Fully handled" means every delivery of the event is settled: sent, recorded, stored in the retry
 * store, or (past retries.detachAfterMs) left to finish in the background behind a stored safety-net
 * retry. The hold below stays inside the detach time; crash-and-shutdown.test.ts covers the detach.
 */
describe('an offset is committed only after every event up to it is fully handled', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let admin: Admin;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    // One partition makes "every event up to it" a single sequence we can watch.
    herald = await startTestService({ config: isolatedConfig({ kafka: { partitions: 1 }, retries: { detachAfterMs: 60_000 } }), env: { SMTP_URL: smtp.url } });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    admin = testKafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    smtp.release();
    await producer.disconnect();
    await admin.disconnect();
    await herald.stop();
    await smtp.close();
  });

  const committed = async () => {
    const [topic] = await admin.fetchOffsets({ groupId: herald.env.KAFKA_GROUP_ID, topics: [herald.config.kafka.topics.incoming] });
    return Number(topic!.partitions[0]!.offset);
  };

  it('holds the committed offset at a delivery the provider has not accepted yet, and moves past it once accepted', async () => {
    smtp.hold('r2@example.com');
    for (let i = 0; i < 5; i++) {
      await producer.publish({ type: 'transactional', priority: 'critical', recipients: [`email:r${i}@example.com`], channels: ['email'], payload: { message: `n${i}` } });
    }
    await eventually(async () => smtp.waitingCount() === 1 && smtp.accepted.length === 2, 'r0 and r1 accepted, r2 held');
    await eventually(async () => (await committed()) === 2, 'offset 2 committed (events 0 and 1 handled)');
    // Well past the 1 s auto-commit interval: still nothing beyond the held event.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await committed()).toBe(2);
    expect(smtp.accepted).toHaveLength(2);

    smtp.release();
    await eventually(async () => (await committed()) === 5, 'offset 5 committed after the held delivery was accepted');
    expect(smtp.accepted.map((m) => m.to[0]).sort()).toEqual(['r0@example.com', 'r1@example.com', 'r2@example.com', 'r3@example.com', 'r4@example.com']);
  });
});
