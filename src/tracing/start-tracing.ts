import type { Logger } from '../shared/logger';

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
  // The SDK and the exporter (about 20 MB of memory) are loaded only when tracing is on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startOtlpTracing } = require('./otlp-tracing') as typeof import('./otlp-tracing');
  return startOtlpTracing({ ...options, endpoint: options.endpoint });
}
