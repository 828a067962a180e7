import { context, diag, DiagLogLevel, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ConfigError, describeError } from '../errors';
import type { Logger } from '../logger';

/** Options of {@link startTracing}, from `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_SERVICE_NAME`. */
export interface TracingOptions {
  /** Base URL of an OTLP/HTTP collector (`http://collector:4318`); spans go to `<it>/v1/traces`. Unset: tracing stays off. */
  endpoint?: string;
  /** `service.name` of the exported spans. Default `herald`. */
  serviceName?: string;
  /** Where export failures are reported (at most one line a minute). */
  logger: Logger;
}

/** Tracing as started; `shutdown()` is safe to call when it was off. */
export interface Tracing {
  /** True when spans are recorded and exported. */
  enabled: boolean;
  /** Exports the spans ended so far (tests, and before a planned exit). */
  flush(): Promise<void>;
  /** Exports what is left, then unregisters the globals so the OpenTelemetry API is a no-op again. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, flush: async () => undefined, shutdown: async () => undefined };

/** A collector that is down would fail every export; on-call needs to hear it once, not every 5 s. */
const DIAG_LOG_INTERVAL_MS = 60_000;

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is configured: a tracer provider exporting
 * spans in batches as OTLP/HTTP JSON, the AsyncLocalStorage context manager (so the span of an
 * event is the parent of everything done for it across awaits) and the W3C trace-context
 * propagator (Kafka headers). They are registered as the OpenTelemetry API's globals: that is the
 * standard integration point, where `trace.getTracer()` and `propagation.inject()` in herald's
 * code (and any instrumented library) find them; nothing else holds a reference.
 * Without an endpoint nothing is registered: every span call is the API's no-op.
 * @throws ConfigError when tracing is already started in this process (shut the first one down).
 */
export function startTracing(options: TracingOptions): Tracing {
  if (!options.endpoint) return OFF;
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName ?? 'herald' }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  // The API keeps the first registration of each global and refuses the next: undo only what we registered.
  const tracerSet = trace.setGlobalTracerProvider(provider);
  const contextSet = tracerSet && context.setGlobalContextManager(contextManager);
  const propagatorSet = contextSet && propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (!propagatorSet) {
    if (tracerSet) trace.disable();
    if (contextSet) context.disable();
    contextManager.disable();
    throw new ConfigError('OpenTelemetry tracing is already started in this process; call shutdown() on the first startTracing() result before starting it again.');
  }
  diag.setLogger(throttledDiagLogger(options.logger), DiagLogLevel.WARN);
  let stopped = false;
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      try {
        // Never fails the service's shutdown: spans that cannot be exported are lost, and said so.
        await provider.shutdown().catch((error: unknown) => options.logger.warn('tracing: spans not exported at shutdown', { error: describeError(error) }));
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
      }
    },
  };
}

/** OpenTelemetry's own warnings and errors (an export that failed) as herald log lines, one a minute at most. */
function throttledDiagLogger(logger: Logger): DiagLogger {
  let lastAt = -Infinity;
  let suppressed = 0;
  const report = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now - lastAt < DIAG_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    logger.warn('tracing: spans may be lost; check OTEL_EXPORTER_OTLP_ENDPOINT and that the collector is up', {
      component: 'opentelemetry',
      detail: [message, ...args.map(String)].join(' '),
      suppressedSinceLast: suppressed,
    });
    lastAt = now;
    suppressed = 0;
  };
  const ignore = () => undefined;
  return { error: report, warn: report, info: ignore, debug: ignore, verbose: ignore };
}
