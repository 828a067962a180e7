import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { PermanentError } from '../../../src/shared/errors';
import { withIntakeSpan } from '../../../src/tracing/intake-span';
import { TRACER_NAME, withSpan } from '../../../src/tracing/with-span';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

describe('withSpan and withIntakeSpan on a registered SDK', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  const finished = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name);

  it('runs fn in an active span that nests the spans started inside it, across awaits, and sets result attributes', async () => {
    const result = await withSpan('outer', { 'herald.event_id': 'evt-1' }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return withSpan('inner', {}, async () => 'sent', { kind: SpanKind.CLIENT, onResult: (r) => ({ 'herald.outcome': r }) });
    });
    expect(result).toBe('sent');
    const outer = finished('outer')!;
    const inner = finished('inner')!;
    expect(outer.instrumentationScope.name).toBe(TRACER_NAME);
    expect(outer.attributes).toEqual({ 'herald.event_id': 'evt-1' });
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
    expect(inner.kind).toBe(SpanKind.CLIENT);
    expect(inner.attributes).toEqual({ 'herald.outcome': 'sent' });
    expect(inner.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a failure: rethrown, status ERROR, exception recorded with the address redacted, error.type from the code and onError attributes', async () => {
    const failure = new PermanentError('SMTP server rejected the message (550 5.1.1 <bob@example.com>: unknown mailbox)', 'smtp_rejected');
    await expect(withSpan('send', {}, () => Promise.reject(failure), { onError: () => ({ 'herald.outcome': 'failed' }) })).rejects.toBe(failure);
    const span = finished('send')!;
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'SMTP server rejected the message (550 5.1.1 <[email]>: unknown mailbox)' });
    expect(span.attributes).toEqual({ 'error.type': 'smtp_rejected', 'herald.outcome': 'failed' });
    const [exception] = span.events;
    expect(exception?.name).toBe('exception');
    expect(exception?.attributes).toMatchObject({
      'exception.type': 'PermanentError',
      'exception.message': 'SMTP server rejected the message (550 5.1.1 <[email]>: unknown mailbox)',
    });
    expect(JSON.stringify(span.events)).not.toContain('bob@example.com');
  });

  it('a thrown non-Error is recorded by its text, error.type Error', async () => {
    await expect(withSpan('odd', {}, () => Promise.reject('plain string'))).rejects.toBe('plain string');
    expect(finished('odd')).toMatchObject({ status: { code: SpanStatusCode.ERROR, message: 'plain string' }, attributes: { 'error.type': 'Error' } });
  });

  it('withIntakeSpan: a CONSUMER span whose parent is the producer context in the message headers, with messaging and herald attributes', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const message = { offset: '42', headers: { traceparent: Buffer.from(traceparent) } };
    // Whatever is active when the batch is handled, the parent is the message's.
    await context.with(trace.setSpanContext(ROOT_CONTEXT, { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: TraceFlags.SAMPLED }), () =>
      withIntakeSpan({ topic: 'notifications.bulk', partition: 3, message }, { id: 'evt-7', priority: 'low' }, 'bulk', async () => undefined),
    );
    const span = finished('herald.intake')!;
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.parentSpanContext).toMatchObject({ spanId: 'b7ad6b7169203331', isRemote: true });
    expect(span.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'notifications.bulk',
      'messaging.destination.partition.id': '3',
      'messaging.kafka.offset': 42,
      'herald.event_id': 'evt-7',
      'herald.priority': 'low',
      'herald.lane': 'bulk',
    });
  });

  it('withIntakeSpan without trace headers starts a new trace (a root span)', async () => {
    await withIntakeSpan(
      { topic: 't', partition: 0, message: { offset: '0', headers: {} } },
      { id: 'evt-8', priority: 'high' },
      'intake',
      async () => undefined,
    );
    expect(finished('herald.intake')?.parentSpanContext).toBeUndefined();
  });
});

describe('withSpan with no tracing started', () => {
  it('only calls fn: the span is the no-op one', async () => {
    const recording = await withSpan('noop', {}, async (span) => span.isRecording());
    expect(recording).toBe(false);
    await expect(withSpan('noop', {}, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
