import { context, propagation, trace } from '@opentelemetry/api';
import { ConfigError } from '../../../src/shared/errors';
import { injectTraceContext } from '../../../src/tracing/kafka-headers';
import { startTracing } from '../../../src/tracing/start-tracing';
import { captureLogger } from '../../support/capture-logger';

/**
 * Registration only: exporting is tested end to end against a real OTLP receiver
 * (test/integration/tracing). No span is ended here, so shutdown has nothing to export.
 */
describe('startTracing', () => {
  const { logger } = captureLogger();

  it('without an endpoint registers nothing and its shutdown is a no-op', async () => {
    const tracing = startTracing({ endpoint: undefined, logger });
    expect(tracing.enabled).toBe(false);
    expect(trace.getTracer('t').startSpan('s').isRecording()).toBe(false);
    await expect(tracing.flush()).resolves.toBeUndefined();
    await expect(tracing.shutdown()).resolves.toBeUndefined();
  });

  it('with an endpoint registers the provider, the context manager and the W3C propagator; shutdown makes the API a no-op again', async () => {
    const tracing = startTracing({ endpoint: 'http://127.0.0.1:4318/', serviceName: 'herald-unit', logger });
    try {
      expect(tracing.enabled).toBe(true);
      const span = trace.getTracer('t').startSpan('s');
      expect(span.isRecording()).toBe(true);
      const headers = context.with(trace.setSpan(context.active(), span), () => injectTraceContext<Record<string, string>>({}));
      expect(headers.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      // The context manager is the AsyncLocalStorage one: the active span survives an await.
      await context.with(trace.setSpan(context.active(), span), async () => {
        await new Promise((r) => setTimeout(r, 1));
        expect(trace.getActiveSpan()).toBe(span);
      });
    } finally {
      await tracing.shutdown();
    }
    expect(trace.getTracer('t').startSpan('s').isRecording()).toBe(false);
    expect(propagation.fields()).toEqual([]);
    await expect(tracing.shutdown()).resolves.toBeUndefined();
  });

  it('refuses to start twice in one process, naming the fix, and leaves the first one working', async () => {
    const first = startTracing({ endpoint: 'http://127.0.0.1:4318', logger });
    try {
      expect(() => startTracing({ endpoint: 'http://127.0.0.1:4318', logger })).toThrow(ConfigError);
      expect(() => startTracing({ endpoint: 'http://127.0.0.1:4318', logger })).toThrow(/already started.*shutdown\(\)/);
      expect(trace.getTracer('t').startSpan('s').isRecording()).toBe(true);
      expect(propagation.fields()).toEqual(['traceparent', 'tracestate']);
    } finally {
      await first.shutdown();
    }
  });
});
