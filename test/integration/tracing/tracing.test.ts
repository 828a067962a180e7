import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { context, propagation, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { HeraldProducer } from '../../../src/client/herald-producer';
import type { EventInput } from '../../../src/contract/complete-event';
import { startTracing } from '../../../src/tracing/start-tracing';
import { spawnService, waitForJoin, writeConfigFile, type ChildService } from '../../support/child-service';
import { deleteKeys, eventually, freePort, testKafka, testLogger, testRedis, uniqueName } from '../../support/infra';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver';
import { readTopic } from '../../support/read-topic';
import { startSmtpSink } from '../../support/smtp-sink';

/** OTLP span kinds and status codes as they arrive in JSON. */
const KIND = { CLIENT: 3, CONSUMER: 5 } as const;
const STATUS = { UNSET: 0, ERROR: 2 } as const;

/** Publishes `input` with `producer` inside an active span of a test tracer; resolves with the event id and that span's context. */
async function publishInSpan(producer: HeraldProducer, input: EventInput): Promise<{ id: string; parent: SpanContext }> {
  return trace.getTracer('herald-tests').startActiveSpan('test.publish', async (span) => {
    try {
      const { id } = await producer.publish(input);
      return { id, parent: span.spanContext() };
    } finally {
      span.end();
    }
  });
}

/** A herald process (src/main.ts, as `npm start` runs it) with its own topics, group, prefix and outbox, exporting to `endpoint`. */
async function startTracedService(endpoint: string, smtpUrl: string) {
  const name = uniqueName('tracing');
  const topics = { incoming: `${name}.incoming`, dlq: `${name}.dlq`, status: `${name}.status`, bulk: `${name}.bulk` };
  const redisPrefix = uniqueName('herald');
  const outboxDir = mkdtempSync(path.join(os.tmpdir(), 'herald-outbox-'));
  const configFile = writeConfigFile({
    kafka: { topics, partitions: 3 },
    // No digests: a low-priority email is sent at once, so the bulk lane dispatches it.
    batching: { channels: [] },
    channels: { email: { maxAttempts: 1, breaker: { volumeThreshold: 1_000 } } },
  });
  const child = spawnService({
    HERALD_CONFIG: configFile,
    KAFKA_GROUP_ID: `${name}-group`,
    HERALD_REDIS_PREFIX: redisPrefix,
    SMTP_URL: smtpUrl,
    OUTBOX_DIR: outboxDir,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_SERVICE_NAME: 'herald-tracing-test',
  });
  const producer = new HeraldProducer({ kafka: testKafka(), topic: topics.incoming });
  const stop = async () => {
    await producer.disconnect();
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGTERM');
      await child.exited;
    }
    const redis = testRedis();
    await deleteKeys(redis.redis, redisPrefix);
    await redis.cleanup();
    rmSync(outboxDir, { recursive: true, force: true });
  };
  try {
    // Both lanes: intake and the bulk lane each log one join.
    await waitForJoin(child, 60_000, 2);
    await producer.connect();
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, producer, topics, stop };
}

const event = (address: string, priority: EventInput['priority']): EventInput => ({
  type: 'transactional',
  priority,
  recipients: [`email:${address}`],
  channels: ['email'],
  payload: { title: 'Hi', message: 'Body' },
});

/**
 * The service runs as `npm start` does (src/main.ts in its own process, OTEL_EXPORTER_OTLP_ENDPOINT
 * pointing at a local OTLP receiver): the OTLP exporter loads node:http with a dynamic import(),
 * which jest's module sandbox refuses without --experimental-vm-modules, so inside jest no span
 * could be exported. This process plays the producer's side: a tracer provider of its own (a
 * recording one, exporting nothing) gives the publishing span whose context the client injects.
 */
describe('tracing with an OTLP endpoint', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const producerSide = new TracerProvider();

  beforeAll(async () => {
    trace.setGlobalTracerProvider(producerSide);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    smtp = await startSmtpSink();
  });

  afterAll(async () => {
    await smtp.close();
    await producerSide.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  describe('intake → dispatch → provider call in the producer trace', () => {
    let receiver: OtlpReceiver;
    let child: ChildService;
    let producer: HeraldProducer;
    let topics: Awaited<ReturnType<typeof startTracedService>>['topics'];
    let stop: () => Promise<void>;

    beforeAll(async () => {
      receiver = await startOtlpReceiver();
      ({ child, producer, topics, stop } = await startTracedService(receiver.url, smtp.url));
    }, 90_000);

    afterAll(async () => {
      await stop?.();
      await receiver?.close();
    });

    /** Waits until the three spans of `eventId` arrived (the service exports in batches every 5 s), and returns them. */
    async function chainOf(eventId: string): Promise<{ intake: ReceivedSpan; dispatch: ReceivedSpan; send: ReceivedSpan }> {
      return eventually(
        async () => {
          const intake = receiver.spans.find((s) => s.name === 'herald.intake' && s.attributes['herald.event_id'] === eventId);
          const dispatch = receiver.spans.find((s) => s.name === 'herald.dispatch' && s.attributes['herald.event_id'] === eventId);
          const send = dispatch && receiver.spans.find((s) => s.name === 'herald.provider.send' && s.parentSpanId === dispatch.spanId);
          return intake && dispatch && send ? { intake, dispatch, send } : undefined;
        },
        `the intake, dispatch and provider spans of ${eventId}`,
        30_000,
      );
    }

    function expectChain(chain: { intake: ReceivedSpan; dispatch: ReceivedSpan; send: ReceivedSpan }, parent: SpanContext): void {
      const { intake, dispatch, send } = chain;
      for (const span of [intake, dispatch, send]) {
        expect(span.traceId).toBe(parent.traceId);
        expect(span.serviceName).toBe('herald-tracing-test');
      }
      expect(intake.parentSpanId).toBe(parent.spanId);
      expect(dispatch.parentSpanId).toBe(intake.spanId);
      expect(send.parentSpanId).toBe(dispatch.spanId);
      expect(intake.kind).toBe(KIND.CONSUMER);
      expect(send.kind).toBe(KIND.CLIENT);
    }

    it('a high-priority event: the intake lane span is the child of the producer span, dispatch of intake, the SMTP call of dispatch', async () => {
      const address = `${uniqueName('trace')}@example.com`;
      const { id, parent } = await publishInSpan(producer, event(address, 'high'));
      const chain = await chainOf(id);
      expectChain(chain, parent);
      expect(chain.intake.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination.name': topics.incoming,
        'messaging.destination.partition.id': expect.stringMatching(/^\d+$/),
        'messaging.kafka.offset': expect.any(Number),
        'herald.event_id': id,
        'herald.priority': 'high',
        'herald.lane': 'intake',
      });
      expect(chain.dispatch.attributes).toEqual({
        'herald.event_id': id,
        'herald.recipient_id': expect.stringMatching(/^direct:[0-9a-f]{16}$/),
        'herald.channel': 'email',
        'herald.outcome': 'sent',
      });
      expect(chain.send.attributes).toEqual({ 'herald.channel': 'email', 'herald.provider': 'smtp', 'herald.outcome': 'sent' });
      expect(chain.send.status.code).toBe(STATUS.UNSET);
      expect(smtp.countTo(address)).toBe(1);
      // Spans carry ids, never the address (the Kafka key of a single-recipient event is the address, so it is left out).
      expect(receiver.bodies.join('\n')).not.toContain(address);
      expect(receiver.requests.every((r) => r.status === 200 && r.contentType?.startsWith('application/json'))).toBe(true);
    });

    it('a low-priority event forwarded to the bulk lane keeps its trace: the bulk lane span is the child of the producer span', async () => {
      const address = `${uniqueName('bulk')}@example.com`;
      const { id, parent } = await publishInSpan(producer, event(address, 'low'));
      const chain = await chainOf(id);
      expectChain(chain, parent);
      expect(chain.intake.attributes).toMatchObject({ 'messaging.destination.name': topics.bulk, 'herald.priority': 'low', 'herald.lane': 'bulk' });
      expect(chain.send.attributes['herald.outcome']).toBe('sent');
      // Intake forwarded it without handling it: one intake span for the event, the bulk lane's.
      expect(receiver.spans.filter((s) => s.name === 'herald.intake' && s.attributes['herald.event_id'] === id)).toHaveLength(1);
    });

    it('a provider failure (SMTP 550) ends the provider span with status ERROR, the exception recorded without the address', async () => {
      const address = `${uniqueName('refused')}@example.com`;
      smtp.refuse(address, 550);
      const { id, parent } = await publishInSpan(producer, event(address, 'critical'));
      const chain = await chainOf(id);
      expectChain(chain, parent);
      expect(chain.send.status.code).toBe(STATUS.ERROR);
      expect(chain.send.status.message).toMatch(/SMTP server rejected the message/);
      expect(chain.send.attributes).toEqual({
        'herald.channel': 'email',
        'herald.provider': 'smtp',
        'herald.outcome': 'failed',
        'herald.retriable': false,
        'error.type': 'smtp_rejected',
      });
      const exception = chain.send.events.find((e) => e.name === 'exception');
      expect(exception?.attributes).toMatchObject({ 'exception.type': 'PermanentError', 'exception.message': expect.stringMatching(/550/) });
      // The dispatch settled the failure (dead-lettered): the try itself did not fail.
      expect(chain.dispatch.attributes['herald.outcome']).toBe('dead_lettered');
      expect(chain.dispatch.status.code).toBe(STATUS.UNSET);
      expect(smtp.countTo(address)).toBe(0);
      expect(receiver.bodies.join('\n')).not.toContain(address);
    });

    it('SIGTERM: the service stops cleanly with tracing on (exit 0), having exported without a failure', async () => {
      child.process.kill('SIGTERM');
      expect(await child.exited).toEqual({ code: 0, signal: null });
      expect(child.output()).not.toContain('tracing: spans');
      expect(receiver.requests.length).toBeGreaterThan(0);
      expect(receiver.requests.every((r) => r.status === 200)).toBe(true);
    });
  });

  describe('a collector that is down', () => {
    it('costs no delivery: the event is sent, the export failure is logged once a minute at most, and SIGTERM still exits 0', async () => {
      const { child, producer, stop } = await startTracedService(`http://127.0.0.1:${await freePort()}`, smtp.url);
      try {
        const address = `${uniqueName('down')}@example.com`;
        await publishInSpan(producer, event(address, 'critical'));
        await eventually(async () => smtp.countTo(address) === 1, 'the email sent while the collector is down');
        // Batches go every 5 s; the exporter retries a refused connection a few times before it gives up.
        await eventually(async () => child.output().includes('tracing: spans may be lost'), 'the export failure to be logged', 45_000);
        await publishInSpan(producer, event(`${uniqueName('down')}@example.com`, 'critical'));
        await new Promise((r) => setTimeout(r, 6_000));
        child.process.kill('SIGTERM');
        expect(await child.exited).toEqual({ code: 0, signal: null });
        const warnings = child
          .output()
          .split('\n')
          .filter((l) => l.includes('tracing: spans may be lost'));
        expect(warnings).toHaveLength(1);
        expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'warn', component: 'opentelemetry', detail: expect.stringContaining('ECONNREFUSED') });
      } finally {
        await stop();
      }
    }, 90_000);
  });
});

describe('tracing without an endpoint', () => {
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });

  afterAll(async () => {
    await receiver.close();
  });

  it('registers nothing: no span is recorded, the producer adds no traceparent header, nothing is exported', async () => {
    const tracing = startTracing({ endpoint: undefined, logger: testLogger() });
    expect(tracing.enabled).toBe(false);
    const topic = uniqueName('untraced');
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = new HeraldProducer({ kafka: testKafka(), topic });
    try {
      const recording = await trace.getTracer('herald-tests').startActiveSpan('test.publish', async (span) => {
        await producer.publish({
          type: 'transactional',
          priority: 'high',
          recipients: ['u-1'],
          channels: ['in_app'],
          payload: { title: 'Hi', message: 'Body' },
        });
        span.end();
        return span.isRecording();
      });
      expect(recording).toBe(false);
    } finally {
      await producer.disconnect();
    }
    const [message] = await readTopic(topic, 1);
    expect(message?.headers).toEqual({ 'herald-schema-version': '2', 'content-type': 'application/json', 'herald-priority': 'high' });
    await tracing.flush();
    await tracing.shutdown();
    expect(receiver.requests).toEqual([]);
  });
});
