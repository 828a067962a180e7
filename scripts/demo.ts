/**
 * `npm run demo [-- --keep-running]`: herald end to end on this machine in under a minute.
 * Uses (or starts) a local Kafka, runs the service in this process with config/demo-config.json,
 * registers users over HTTP, publishes sample events (immediate, batched, opted out, unknown,
 * duplicate, malformed), waits until every delivery is settled and prints where each one landed.
 * Needs Redis; Java 17 and Maven only when no Kafka answers at KAFKA_BROKERS.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs';
import { HeraldProducer } from '../src/client/herald-producer';
import { loadConfig } from '../src/service/load-config';
import type { HeraldConfig } from '../src/config/schema';
import { loadEnv, type Env } from '../src/config/env';
import { ConfigError } from '../src/shared/errors';
import { requireSupportedNode } from '../src/shared/node-version';
import { createLogger } from '../src/shared/logger';
import { checkTemplates } from '../src/rendering/render';
import { startService, type RunningService } from '../src/service/start-service';
import { createApi, type Api } from './demo/api';
import { createCleanups } from './demo/cleanups';
import { highWatermarks, readDeadLetters, waitForDeadLetters, type Watermarks } from './demo/dead-letters';
import { DemoError, explainFailure } from './demo/failure';
import { hideKafkajsTimerWarning, printTable } from './demo/format';
import { useKafka } from './demo/local-kafka';
import { clearOutbox, portOrAny, resetRedisPrefix } from './demo/preflight';
import { digestFiles, printDeadLetters, printDeliveries, printEmails, printInboxes, printNextSteps, printPublished } from './demo/report';
import { USERS, publishScenario, registerUsers } from './demo/scenario';
import { waitUntilSettled } from './demo/settle';
import { prepareTopics } from './demo/topics';

const ROOT = path.resolve(__dirname, '..');
/** Fixed, not taken from the environment: the demo empties this folder at start. */
const OUTBOX_DIR = path.join(ROOT, 'outbox');
/** Every Redis key of the demo lives under this prefix, apart from `npm start`'s `herald:` and the tests' random ones. */
const REDIS_PREFIX = 'herald-demo';
const GROUP_ID = 'herald-demo';
const USAGE = 'usage: npm run demo [-- --keep-running]\n  --keep-running  leave herald running after the report, until Ctrl-C, so you can curl it';

const cleanups = createCleanups();
const failureContext: { brokers: string; port?: number } = { brokers: '127.0.0.1:9092' };
let exiting = false;
/** Once the report is printed with --keep-running, Ctrl-C is the normal way out. */
let idle = false;

/** Runs the cleanups (stop herald, stop the Kafka the demo started…) and exits with `code`. */
async function exit(code: number): Promise<never> {
  exiting = true;
  await cleanups.runAll();
  process.exit(code);
}

/** The service's environment: the user's (brokers, Redis, port, API keys, log level) with the demo's own settings on top. */
async function demoEnv(): Promise<Env> {
  let port = process.env.HTTP_PORT;
  if (!port) {
    port = String(await portOrAny(8080));
    if (port === '0') console.log('  (port 8080 is in use: herald listens on a free port instead; set HTTP_PORT to choose one)');
  } else if (/^\d+$/.test(port) && port !== '0' && (await portOrAny(Number(port))) === 0) {
    // Checked before herald starts: a failed listen would leave its worker in the consumer group.
    throw new DemoError(`HTTP_PORT ${port} is already in use. Stop what uses it, or unset HTTP_PORT (the demo then picks a free port).`);
  }
  return loadEnv({
    ...process.env,
    HTTP_PORT: port,
    HERALD_API_KEYS: process.env.HERALD_API_KEYS || 'demo-key',
    // warn keeps the console for the report; LOG_LEVEL=info npm run demo shows every decision.
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    KAFKA_GROUP_ID: GROUP_ID,
    OUTBOX_DIR,
    HERALD_CONFIG: path.join(ROOT, 'config', 'demo-config.json'),
    // Email always goes to outbox/email in the demo, even where SMTP_URL is set for `npm start`.
    SMTP_URL: '',
  });
}

async function startHerald(env: Env, config: HeraldConfig): Promise<RunningService> {
  const starting = startService({ env, config, logger: createLogger(env.LOG_LEVEL), redisPrefix: REDIS_PREFIX });
  // Registered before the start finishes: Ctrl-C during start-up still stops herald, so its
  // consumer leaves the group instead of making the next run wait out its session.
  cleanups.add('stop herald', async () => {
    const service = await starting.catch(() => undefined);
    if (!service) return;
    process.stdout.write('Stopping herald… ');
    await service.stop();
    console.log('stopped.');
  });
  const service = await starting;
  const deadline = Date.now() + 60_000;
  while (!service.isJoined()) {
    if (Date.now() > deadline)
      throw new Error(`herald's worker did not join consumer group ${GROUP_ID} within 60s; if a demo was killed, wait 30s for the broker to drop it and retry`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return service;
}

/** What the phases of the demo share once Redis, Kafka and the topics are ready. */
interface Demo {
  env: Env;
  config: HeraldConfig;
  kafka: Kafka;
  admin: Admin;
  /** End of the DLQ topic before the run: the dead letters after it are this run's. */
  dlqBefore: Watermarks;
}

/** Checks the environment and config, resets the demo's Redis keys and outbox, and gets Kafka and the topics ready. */
async function prepare(): Promise<Demo> {
  const env = await demoEnv();
  Object.assign(failureContext, { brokers: env.KAFKA_BROKERS.join(','), port: env.HTTP_PORT });
  // Before anything starts: a broken template should not cost a Kafka start-up to find out.
  const config = await loadConfig(env.HERALD_CONFIG);
  const problems = checkTemplates(config);
  if (problems.length > 0) throw new ConfigError(`Broken templates in ${env.HERALD_CONFIG}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  console.log('herald demo: events in on Kafka, notifications out to outbox/ and the in-app inbox\n');

  const deleted = await resetRedisPrefix(env.REDIS_URL, REDIS_PREFIX);
  await clearOutbox(OUTBOX_DIR);
  // Each run starts from nothing, so what is printed at the end is exactly this run's work.
  console.log(`✓ Redis answers at ${env.REDIS_URL}; removed ${deleted} keys of earlier runs (prefix ${REDIS_PREFIX}:) and emptied outbox/`);
  await useKafka(failureContext.brokers, cleanups);

  const kafka = new Kafka({ brokers: env.KAFKA_BROKERS, clientId: 'herald-demo-script', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  cleanups.add('disconnect the Kafka admin', () => admin.disconnect());
  await prepareTopics(kafka, admin, config, GROUP_ID);
  return { env, config, kafka, admin, dlqBefore: await highWatermarks(admin, config.kafka.topics.dlq) };
}

/** Publishes the scenario and waits until every delivery and dead letter is in. */
async function publishAndSettle(demo: Demo, api: Api) {
  const { kafka, admin, config } = demo;
  const { topics } = config.kafka;
  const producer = new HeraldProducer({ kafka, topic: topics.incoming, bulkTopic: topics.bulk, fastLane: config.kafka.fastLane });
  const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await Promise.all([producer.connect(), raw.connect()]);
  cleanups.add('disconnect the producers', async () => {
    await Promise.all([producer.disconnect(), raw.disconnect()]);
  });
  const published = await publishScenario({
    producer,
    raw,
    api,
    incomingTopic: topics.incoming,
    schedule: config.batching.schedule,
    run: randomBytes(2).toString('hex'),
  });
  printPublished(published);

  const waitStart = Date.now();
  console.log('\n… waiting until every delivery is settled (batched ones go out at the next digest flush)');
  const outcomes = await waitUntilSettled(api, published, 45_000);
  const deadLettered = [...outcomes.values()].flatMap((d) => d ?? []).filter((d) => d.status === 'dead-lettered').length;
  // The malformed message, plus any delivery that failed for good.
  const count = await waitForDeadLetters(admin, topics.dlq, demo.dlqBefore, 1 + deadLettered, 15_000);
  const letters = await readDeadLetters(kafka, admin, topics.dlq, demo.dlqBefore, count, 30_000);
  console.log(`✓ all settled ${((Date.now() - waitStart) / 1000).toFixed(1)}s after publishing`);
  return { published, outcomes, letters };
}

async function main(keepRunning: boolean): Promise<void> {
  const startedAt = Date.now();
  const demo = await prepare();
  console.log(`… starting herald (LOG_LEVEL=${demo.env.LOG_LEVEL}: its warnings appear as JSON lines, as on-call sees them)`);
  const service = await startHerald(demo.env, demo.config);
  console.log(
    `✓ herald is running at ${service.url}: worker in group ${GROUP_ID} on ${demo.config.kafka.topics.incoming}, digests on "${demo.config.batching.schedule}"`,
  );
  const apiKey = demo.env.HERALD_API_KEYS[0] as string;
  const api = createApi(service.url, apiKey);
  await registerUsers(api);
  console.log('✓ users registered with PUT /api/users/:id');
  printTable(
    null,
    USERS.map((u) => [u.id, u.note]),
    '    ',
  );

  const { published, outcomes, letters } = await publishAndSettle(demo, api);
  printDeliveries(published, outcomes, letters, OUTBOX_DIR);
  await printInboxes(api, ['u_alice', 'u_carol']);
  await printEmails(OUTBOX_DIR, digestFiles(outcomes));
  printDeadLetters(letters, demo.config.kafka.topics.dlq);
  printNextSteps({ url: service.url, apiKey, keepRunning, exampleId: published.find((p) => p.id)?.id ?? '<id>' });
  console.log(`\nDemo done in ${((Date.now() - startedAt) / 1000).toFixed(1)}s.`);
  if (!keepRunning) return exit(0);
  idle = true;
  console.log(`herald keeps running at ${service.url} (API key ${apiKey}). Press Ctrl-C to stop it.`);
}

let firstSignalAt = 0;

function onSignal(signal: string): void {
  if (exiting) {
    // tsx relays the terminal's Ctrl-C to this process a second time when it is slow to answer;
    // only a second press, not that echo, skips the cleanup.
    if (Date.now() - firstSignalAt < 1500) return;
    console.log(`\n${signal} again: exiting without cleaning up`);
    process.exit(130);
  }
  firstSignalAt = Date.now();
  console.log(`\n${signal}: stopping… (press Ctrl-C again to exit at once)`);
  void exit(idle ? 0 : 130);
}

requireSupportedNode();
const args = process.argv.slice(2);
if (args.some((a) => a !== '--keep-running')) {
  console.error(args.includes('--help') || args.includes('-h') ? USAGE : `unknown argument ${args.find((a) => a !== '--keep-running')}\n${USAGE}`);
  process.exit(args.includes('--help') || args.includes('-h') ? 0 : 1);
}
hideKafkajsTimerWarning();
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
main(args.includes('--keep-running')).catch(async (error: unknown) => {
  if (exiting) return;
  console.error(`\n✗ The demo stopped: ${explainFailure(error, failureContext)}`);
  await exit(1);
});
