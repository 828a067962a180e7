import type { Admin } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import { eventually, testKafka } from '../../support/infra';
import { committedOffset, readTopic } from '../../support/read-topic';
import { isolatedConfig, startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';

/**
 * The status topic cannot take writes (deleted under the running service). A delivery's `pending`
 * change is published beside its send, not before it: the email goes out, the event's offset waits
 * for the change feed, and once the topic is back the changes land and nothing is sent twice.
 */
describe('status topic unavailable while an event is handled', () => {
  let herald: TestService;
  let producer: HeraldProducer;
  let admin: Admin;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    herald = await startTestService({ config: isolatedConfig({ kafka: { partitions: 1 } }), env: { SMTP_URL: smtp.url } });
    producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    admin = testKafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await herald.stop();
    await admin.disconnect();
    await smtp.close();
  });

  const committed = () => committedOffset(admin, herald.env.KAFKA_GROUP_ID, herald.config.kafka.topics.incoming);

  it('sends the email, holds the offset until the changes are on the topic, then commits; one email', async () => {
    const statusTopic = herald.config.kafka.topics.status;
    await admin.deleteTopics({ topics: [statusTopic] });
    await eventually(async () => !(await admin.listTopics()).includes(statusTopic), 'the status topic gone');

    const { id } = await producer.publish({ type: 'transactional', priority: 'critical', recipients: ['email:feed@example.com'], channels: ['email'], payload: { message: 'hello' } });
    await eventually(async () => smtp.countTo('feed@example.com') === 1, 'the email sent while the change feed is down');
    // Well past the 1 s auto-commit interval: the offset waits for the feed.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await committed()).toBe(-1);

    await admin.createTopics({ topics: [{ topic: statusTopic, numPartitions: 1 }], waitForLeaders: true });
    await eventually(async () => (await committed()) === 1, 'offset 1 committed once the status topic is back', 40_000);
    const changes = (await readTopic(statusTopic, 2)).filter((m) => m.key === id).map((m) => m.value.status);
    expect(changes).toEqual(['pending', 'sent']);
    expect(smtp.countTo('feed@example.com')).toBe(1);
  });
});
