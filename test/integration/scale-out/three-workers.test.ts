import { HeraldProducer } from '../../../src/client/herald-producer';
import { parseConfig } from '../../../src/config/load-config';
import type { HeraldConfigInput } from '../../../src/config/schema';
import type { EventInput } from '../../../src/contract/complete-event';
import { captureLogger } from '../../support/capture-logger';
import { writeConfigFile } from '../../support/child-service';
import { deleteKeys, eventually, testKafka, uniqueName } from '../../support/infra';
import { runHerald } from '../../support/run-herald';
import { api, startTestService, type TestService } from '../../support/service-harness';
import { startSmtpSink } from '../../support/smtp-sink';
import { startTestCluster, type TestCluster } from '../../support/test-cluster';

const WORKERS = 3;
const PARTITIONS = 6;
const USERS = 45;
const EVENTS = 240;
/** Events produced a second time with the same id: herald must deliver each once. */
const DUPLICATED = 60;

/** Redis trouble that must never reach a log: slot errors, redirections given up on, a cluster down, failed scripts. */
const REDIS_TROUBLE = new RegExp(
  [
    'CROSSSLOT',
    'non local key',
    'do not hash to the same slot',
    'MOVED',
    'ASK \\d',
    'CLUSTERDOWN',
    'TRYAGAIN',
    'ReplyError',
    'NOSCRIPT',
    'redis connection error',
    'Too many Cluster redirections',
  ].join('|'),
  'i',
);

/**
 * Scale-out: three herald workers in one consumer group (and one bulk-lane group) on a topic of six
 * partitions, every one of them on the same three-master Redis Cluster. Each event reaches each of
 * its recipients exactly once per channel at the real SMTP sink and in the in-app inbox, duplicates
 * included, and no worker logs a Redis error.
 */
describe('scale-out: three workers on a Redis Cluster deliver every notification exactly once', () => {
  let cluster: TestCluster;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let producer: HeraldProducer;
  const workers: { herald: TestService; log: ReturnType<typeof captureLogger> }[] = [];
  const name = uniqueName('scale');
  const prefix = uniqueName('herald');
  const configInput: HeraldConfigInput = {
    kafka: { partitions: PARTITIONS, topics: { incoming: `${name}.incoming`, dlq: `${name}.dlq`, status: `${name}.status`, bulk: `${name}.bulk` } },
    // Normal-priority email is sent at once rather than digested, so every send is countable at the sink.
    batching: { channels: [] },
    channels: { in_app: { inboxCap: 500 } },
    templates: { note: { email: { subject: 'Note {{id}}', text: 'event {{id}}' }, in_app: { title: 'Note', text: 'event {{id}}' } } },
  };

  const user = (n: number) => `${name}-u${n}`;
  const events: EventInput[] = Array.from({ length: EVENTS }, (_, k) => ({
    id: `${name}-e${k}`,
    type: 'transactional',
    // Both lanes: high is handled by the intake group, normal forwarded to the bulk group.
    priority: k % 2 === 0 ? 'high' : 'normal',
    template: 'note',
    // Every fourth event fans out to two users (a multi-recipient event keyed by its id).
    recipients: k % 4 === 3 ? [user(k % USERS), user((k + 7) % USERS)] : [user(k % USERS)],
    channels: ['email', 'in_app'],
    payload: { k },
  }));
  /** `user|eventId` of every delivery expected once per channel. */
  const expected = events.flatMap((e) => e.recipients.map((r) => `${r}|${e.id}`)).sort();

  beforeAll(async () => {
    cluster = await startTestCluster();
    smtp = await startSmtpSink();
    const config = parseConfig(configInput);
    const groupId = uniqueName('group');
    for (let i = 0; i < WORKERS; i++) {
      const log = captureLogger();
      const herald = await startTestService({
        config,
        prefix,
        groupId,
        logger: log.logger,
        env: { REDIS_CLUSTER_NODES: cluster.nodesEnv, SMTP_URL: smtp.url },
      });
      workers.push({ herald, log });
    }
    producer = new HeraldProducer({ kafka: testKafka(), topic: config.kafka.topics.incoming });
    await producer.connect();
    // Profiles written through the API, spread over the three workers.
    for (let n = 0; n < USERS; n++) {
      const { status } = await api(workers[n % WORKERS]!.herald.service, 'PUT', `/api/users/${user(n)}`, { email: `${user(n)}@example.com` });
      expect(status).toBe(200);
    }
  }, 180_000);

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all(workers.map((w) => w.herald.stop()));
    const redis = cluster.client();
    await deleteKeys(redis, prefix);
    await smtp?.close();
    await cluster?.stop();
  }, 60_000);

  it('reports ready on every worker, Redis answered by every master', async () => {
    for (const { herald } of workers) {
      const ready = await eventually(async () => {
        const response = await fetch(`${herald.service.url}/readyz`);
        return response.status === 200 ? ((await response.json()) as { checks: Record<string, { ok: boolean; detail: string }> }) : undefined;
      }, 'the worker to be ready');
      expect(ready.checks.redis).toEqual({ ok: true, detail: 'PING PONG from 3 cluster master(s)' });
    }
  });

  it('sends each email once and writes each inbox entry once, duplicates produced included', async () => {
    await producer.publishMany(events);
    await producer.publishMany(events.slice(0, DUPLICATED));

    const sent = () => smtp.accepted.map((m) => `${m.to[0]!.replace('@example.com', '')}|${/event (\S+-e\d+)/.exec(m.raw)?.[1]}`);
    await eventually(async () => smtp.accepted.length >= expected.length, `${expected.length} emails at the sink`, 150_000);
    const inboxes = async () => {
      const entries: string[] = [];
      for (let n = 0; n < USERS; n++) {
        const { body } = await api(workers[n % WORKERS]!.herald.service, 'GET', `/api/users/${user(n)}/inbox?limit=200`);
        entries.push(...(body.items ?? body).map((entry: { eventId: string }) => `${user(n)}|${entry.eventId}`));
      }
      return entries.sort();
    };
    await eventually(async () => (await inboxes()).length >= expected.length, `${expected.length} inbox entries`, 60_000);
    // A duplicate would come late (a redelivery, a second worker): give it time to show.
    await new Promise((r) => setTimeout(r, 3_000));

    expect(sent().sort()).toEqual(expected);
    expect(await inboxes()).toEqual(expected);

    // Each event's deliveries are settled in the shared state, whichever worker handled it.
    const sample = events[EVENTS - 1]!;
    const state = await api(workers[0]!.herald.service, 'GET', `/api/notifications/${sample.id}`);
    expect(state.body.deliveries.map((d: { channel: string; status: string }) => `${d.channel}:${d.status}`).sort()).toEqual(
      sample.recipients.flatMap(() => ['email:sent', 'in_app:delivered']).sort(),
    );
  }, 240_000);

  it('spread the work over all three workers, and none logged a Redis error', () => {
    for (const { log } of workers) {
      const lines = log.lines();
      expect(lines.filter((l) => l.decision === 'sent').length).toBeGreaterThan(0);
      expect(lines.filter((l) => REDIS_TROUBLE.test(JSON.stringify(l)))).toEqual([]);
      // kafkajs logs a group's rebalances (three workers joining) as errors; herald's own lines must have none.
      expect(lines.filter((l) => l.level === 'error' && l.component !== 'kafkajs')).toEqual([]);
    }
    // Duplicates were recognised as such, not merely lost.
    const deduped = workers.flatMap(({ log }) => log.lines().filter((l) => l.decision === 'deduped'));
    expect(deduped.length).toBe(DUPLICATED);
  });

  it('lets the herald CLI read delivery state from the cluster', async () => {
    const run = await runHerald(['status', events[0]!.id!, '--json'], {
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      HERALD_REDIS_PREFIX: prefix,
      HERALD_CONFIG: writeConfigFile(configInput),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as { deliveries: { channel: string; status: string }[] };
    expect(status.deliveries.map((d) => `${d.channel}:${d.status}`).sort()).toEqual(['email:sent', 'in_app:delivered']);
  });
});
