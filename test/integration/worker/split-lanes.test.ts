import { randomUUID } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import type { Priority } from '../../../src/contract/vocabulary';
import { deleteKeys, eventually, testKafka, testRedis, uniqueName } from '../../support/infra';
import { writeConfigFile } from '../../support/child-service';
import { runHerald } from '../../support/run-herald';
import { api, deliveriesSent, isolatedConfig, startTestService, type TestService } from '../../support/service-harness';

/**
 * A deployment split by lane (HERALD_LANES), on the real service, Kafka and Redis: one process
 * consumes only intake, another only the bulk lane, in the same groups and Redis. Each lane's work
 * is done by its own process, and a lane nobody consumes is not done at all.
 */
describe('processes split by lane (HERALD_LANES)', () => {
  const redis = testRedis();
  let admin: Admin;
  let producer: Producer;
  const running: TestService[] = [];

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
    producer = testKafka().producer();
    await producer.connect();
  });

  afterAll(async () => {
    for (const herald of running.splice(0)) await herald.stop().catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
    await redis.cleanup();
  });

  /** Produces an in-app event to the incoming topic as a raw producer would (normal ones must be forwarded by intake). */
  async function produce(topic: string, user: string, priority: Priority): Promise<string> {
    const id = randomUUID();
    const event = { version: 2, id, type: 'alert', priority, payload: { message: `${priority} ${id}` }, recipients: [user], channels: ['in_app'] };
    await producer.send({ topic, acks: -1, messages: [{ key: user, value: JSON.stringify({ ...event, createdAt: new Date().toISOString() }) }] });
    return id;
  }

  const inAppStatus = async (herald: TestService, id: string) => {
    const body = (await api(herald.service, 'GET', `/api/notifications/${id}`)).body as { deliveries?: { channel: string; status: string }[] } | null;
    return body?.deliveries?.find((d) => d.channel === 'in_app')?.status ?? null;
  };

  it('an intake-only and a bulk-only process each do their lane, and nothing is done until intake has a process', async () => {
    const name = uniqueName('lanes');
    const config = isolatedConfig();
    const shared = { config, groupId: `${name}-group`, prefix: `${redis.prefix}-${name}` };
    const bulkOnly = await startTestService({ ...shared, env: { HERALD_LANES: 'bulk' } });
    running.push(bulkOnly);
    expect((await api(bulkOnly.service, 'PUT', '/api/users/u-lanes', { locale: 'en' })).status).toBe(200);

    const { incoming } = config.kafka.topics;
    const critical = await produce(incoming, 'u-lanes', 'critical');
    const normal = await produce(incoming, 'u-lanes', 'normal');
    // Both wait on the incoming topic, which only intake consumes: the bulk-only process sends neither.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await inAppStatus(bulkOnly, critical)).toBeNull();
    expect(await inAppStatus(bulkOnly, normal)).toBeNull();
    expect(await deliveriesSent(bulkOnly.service, 'in_app')).toBe(0);
    // On-call's view of it: `herald lag` names the lane nobody consumes.
    const cliEnv = {
      HERALD_CONFIG: writeConfigFile({ kafka: { topics: config.kafka.topics } }),
      HERALD_REDIS_PREFIX: shared.prefix,
      KAFKA_GROUP_ID: shared.groupId,
    };
    const lag = await runHerald(['lag'], cliEnv);
    expect(lag.code).toBe(0);
    expect(lag.stderr).toContain(
      `${shared.groupId}: 2 behind, no member: no worker consumes the intake lane; start one whose HERALD_LANES includes intake; ` +
        `${shared.groupId}.bulk: 0 behind, 1 member`,
    );

    const intakeOnly = await startTestService({ ...shared, env: { HERALD_LANES: 'intake' } });
    running.push(intakeOnly);
    // The in-app provider confirms at once: `delivered`.
    for (const id of [critical, normal])
      await eventually(async () => (await inAppStatus(intakeOnly, id)) === 'delivered', `event ${id} delivered in-app`, 30_000);
    // The critical event was handled at intake, the normal one forwarded there and handled by the bulk lane's process.
    expect(await deliveriesSent(intakeOnly.service, 'in_app')).toBe(1);
    expect(await deliveriesSent(bulkOnly.service, 'in_app')).toBe(1);

    // Each group has exactly the one member of its lane.
    const { groups } = await admin.describeGroups([shared.groupId, `${shared.groupId}.bulk`]);
    // (describeGroups answers in no particular order)
    const members = Object.fromEntries(groups.map((g) => [g.groupId, g.members.length]));
    expect(members).toEqual({ [shared.groupId]: 1, [`${shared.groupId}.bulk`]: 1 });
    // Once the turns commit, both lanes are caught up, each with its one member.
    const caughtUp = new RegExp(`${shared.groupId}: 0 behind, 1 member; ${shared.groupId}\\.bulk: 0 behind, 1 member`);
    await eventually(async () => caughtUp.test((await runHerald(['lag'], cliEnv)).stderr), 'herald lag to show both lanes caught up', 20_000);

    for (const herald of running.splice(0)) await herald.stop();
    await deleteKeys(redis.redis, shared.prefix);
  }, 90_000);
});
