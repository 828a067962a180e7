import { propagation, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';
import { extractTraceContext, injectTraceContext } from '../../../src/tracing/kafka-headers';

const producerSpan: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  traceState: new TraceState('vendor=abc,other=1'),
};
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const withProducerSpan = trace.setSpanContext(ROOT_CONTEXT, producerSpan);

describe('kafka-headers with the W3C propagator registered', () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  it('injects traceparent and tracestate next to the headers already there', () => {
    const headers = injectTraceContext({ 'herald-schema-version': '2' }, withProducerSpan);
    expect(headers).toEqual({ 'herald-schema-version': '2', traceparent: TRACEPARENT, tracestate: 'vendor=abc,other=1' });
  });

  it('round trip: what inject wrote, read back as kafkajs hands it to a consumer (Buffers), is the producer span as a remote parent', () => {
    const written = injectTraceContext<Record<string, string>>({}, withProducerSpan);
    const consumed = Object.fromEntries(Object.entries(written).map(([k, v]) => [k, Buffer.from(v)]));
    const extracted = trace.getSpanContext(extractTraceContext(consumed));
    expect(extracted).toEqual({ ...producerSpan, traceState: expect.anything(), isRemote: true });
    expect(extracted?.traceState?.serialize()).toBe('vendor=abc,other=1');
  });

  it('reads string values and repeated headers (arrays: the first traceparent, tracestates joined)', () => {
    expect(trace.getSpanContext(extractTraceContext({ traceparent: TRACEPARENT }))?.spanId).toBe(producerSpan.spanId);
    const repeated = extractTraceContext({
      traceparent: [Buffer.from(TRACEPARENT), '00-11111111111111111111111111111111-2222222222222222-01'],
      tracestate: [Buffer.from('a=1'), 'b=2'],
    });
    expect(trace.getSpanContext(repeated)).toMatchObject({ traceId: producerSpan.traceId, spanId: producerSpan.spanId });
    expect(trace.getSpanContext(repeated)?.traceState?.serialize()).toBe('a=1,b=2');
  });

  it('gives the root context (a new trace) when the headers are missing, hold no traceparent, or a malformed one', () => {
    expect(extractTraceContext(undefined)).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(extractTraceContext({ 'content-type': Buffer.from('application/json') }))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({ traceparent: Buffer.from('not-a-traceparent') }))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({ traceparent: undefined }))).toBeUndefined();
  });

  it('injects nothing when no span is active', () => {
    expect(injectTraceContext({ a: '1' }, ROOT_CONTEXT)).toEqual({ a: '1' });
  });
});

describe('kafka-headers with no tracing started', () => {
  it('leaves headers as they were and extracts nothing: the API is a no-op', () => {
    expect(injectTraceContext({ a: '1' }, withProducerSpan)).toEqual({ a: '1' });
    expect(trace.getSpanContext(extractTraceContext({ traceparent: TRACEPARENT }))).toBeUndefined();
  });
});
