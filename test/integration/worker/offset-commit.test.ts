import type { Admin } from 'kafkajs';
import { HeraldProducer } from '../../../src/client/herald-producer';
import type { EventInput } from '../../../src/contract/complete-event';
import { eventually, testKafka } from '../../support/infra';
import { committedOffset, readTopic } from '../../support/read-topic';
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

  const committed = () => committedOffset(admin, herald.env.KAFKA_GROUP_ID, herald.config.kafka.topics.incoming);

  it(
    'holds the committed offset at a delivery the provider has not accepted yet, even when the events after it are done, ' + 'and moves past it once accepted',
    async () => {
      smtp.hold('r2@example.com');
      // One request, so the five arrive in one batch: a partition's batches run one after the other.
      await producer.publishMany(
        [0, 1, 2, 3, 4].map((i): EventInput => ({
          type: 'transactional',
          priority: 'critical',
          recipients: [`email:r${i}@example.com`],
          channels: ['email'],
          payload: { message: `n${i}` },
        })),
      );
      // Other recipients' events (other keys) go on while r2 is held: r3 and r4 finish first.
      await eventually(async () => smtp.waitingCount() === 1 && smtp.accepted.length === 4, 'r0, r1, r3 and r4 accepted, r2 held');
      await eventually(async () => (await committed()) === 2, 'offset 2 committed (events 0 and 1 handled)');
      // Well past the 1 s auto-commit interval: still nothing beyond the held event, though 3 and 4 are done.
      await new Promise((r) => setTimeout(r, 2500));
      expect(await committed()).toBe(2);
      expect(smtp.accepted.map((m) => m.to[0]).sort()).toEqual(['r0@example.com', 'r1@example.com', 'r3@example.com', 'r4@example.com']);

      smtp.release();
      await eventually(async () => (await committed()) === 5, 'offset 5 committed after the held delivery was accepted');
      expect(smtp.accepted.map((m) => m.to[0]).sort()).toEqual(['r0@example.com', 'r1@example.com', 'r2@example.com', 'r3@example.com', 'r4@example.com']);
    },
  );

  it("keeps one recipient's events in order: a held event holds back the next one of its key, not the others", async () => {
    smtp.hold('ordered@example.com');
    const event = (to: string, message: string): EventInput => ({
      type: 'transactional',
      priority: 'critical',
      recipients: [`email:${to}`],
      channels: ['email'],
      payload: { message },
    });
    const before = smtp.accepted.length;
    // One request, so the worker reads the three in one batch (batches of a partition run one after the other).
    await producer.publishMany([event('ordered@example.com', 'first'), event('ordered@example.com', 'second'), event('other@example.com', 'third')]);
    await eventually(async () => smtp.accepted.some((m) => m.to[0] === 'other@example.com'), 'the other recipient accepted');
    // The second event shares the first's key: it has not even started (it would be held too).
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.waitingCount()).toBe(1);
    smtp.release();
    await eventually(async () => smtp.accepted.length === before + 3, 'all three accepted');
    const ordered = smtp.accepted.filter((m) => m.to[0] === 'ordered@example.com').map((m) => (m.raw.includes('second') ? 'second' : 'first'));
    expect(ordered).toEqual(['first', 'second']);
  });

  // The status topic cannot take writes (deleted under the running service). A delivery's `pending`
  // change is published beside its send, not before it: the email goes out, the offset waits for the
  // change feed, and once the topic is back the changes land and nothing is sent twice. Last in the
  // file: it deletes and recreates the service's status topic.
  it('with the status topic gone: sends the email, holds the offset until its changes are on the topic, then commits; one email', async () => {
    // Everything the earlier tests published is committed first, so the offset below is this event's alone.
    const incoming = herald.config.kafka.topics.incoming;
    const [end] = await admin.fetchTopicOffsets(incoming);
    const before = Number(end!.high);
    await eventually(async () => (await committed()) === before, `offset ${before} committed (the earlier events)`);
    const statusTopic = herald.config.kafka.topics.status;
    await admin.deleteTopics({ topics: [statusTopic] });
    await eventually(async () => !(await admin.listTopics()).includes(statusTopic), 'the status topic gone');

    const { id } = await producer.publish({
      type: 'transactional',
      priority: 'critical',
      recipients: ['email:feed@example.com'],
      channels: ['email'],
      payload: { message: 'hello' },
    });
    await eventually(async () => smtp.countTo('feed@example.com') === 1, 'the email sent while the change feed is down');
    // Well past the 1 s auto-commit interval: the offset waits for the feed.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await committed()).toBe(before);

    await admin.createTopics({ topics: [{ topic: statusTopic, numPartitions: 1 }], waitForLeaders: true });
    await eventually(async () => (await committed()) === before + 1, 'the event committed once the status topic is back', 40_000);
    const changes = (await readTopic(statusTopic, 2)).filter((m) => m.key === id).map((m) => m.value.status);
    expect(changes).toEqual(['pending', 'sent']);
    expect(smtp.countTo('feed@example.com')).toBe(1);
  });
});
