import { context, diag, DiagLogLevel, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ConfigError, describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { Tracing, TracingOptions } from './start-tracing';

/** A collector that is down would fail every export; on-call needs to hear it once, not every 5 s. */
const DIAG_LOG_INTERVAL_MS = 60_000;

/** The SDK side of {@link startTracing} (./start-tracing.ts), with an endpoint. */
export function startOtlpTracing(options: TracingOptions & { endpoint: string }): Tracing {
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
    throw new ConfigError(
      'OpenTelemetry tracing is already started in this process; call shutdown() on the first startTracing() result before starting it again.',
    );
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
