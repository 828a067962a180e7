import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { messageOf } from '../shared/errors';
import { redactText } from '../shared/logger';

/** Name of herald's tracer (the instrumentation scope of every span it makes). */
export const TRACER_NAME = 'herald';

/** Options of {@link withSpan}. */
export interface WithSpanOptions<T> {
  /** Default INTERNAL; CONSUMER for a message handled, CLIENT for a call to a provider. */
  kind?: SpanKind;
  /** Parent context. Default: the active one (so nested calls nest their spans). */
  parent?: Context;
  /** Attributes learnt from the result, set before the span ends (an outcome). */
  onResult?: (result: T) => Attributes;
  /** Attributes learnt from a failure; the span's status is ERROR and the exception recorded either way. */
  onError?: (error: unknown) => Attributes;
}

/**
 * Runs `fn` inside a new active span named `name` and ends the span when `fn` settles. A failure
 * is recorded as an exception (message and stack redacted like log lines, `error.type` the error's
 * code or name), the status set to ERROR, and rethrown. With no tracing started the API is a no-op
 * and this only calls `fn`.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, options: WithSpanOptions<T> = {}): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, options.parent ?? context.active(), async (span) => {
    try {
      const result = await fn(span);
      if (options.onResult) span.setAttributes(options.onResult(result));
      return result;
    } catch (error) {
      recordFailure(span, error, options.onError?.(error));
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks `span` failed by `error`, with nothing in it that a log line would not show. */
function recordFailure(span: Span, error: unknown, attributes: Attributes = {}): void {
  const name = error instanceof Error ? error.name : 'Error';
  const message = redactText(messageOf(error));
  const code = (error as { code?: unknown } | null)?.code;
  span.recordException({ name, message, stack: error instanceof Error && error.stack ? redactText(error.stack) : undefined });
  span.setAttributes({ 'error.type': typeof code === 'string' ? code : name, ...attributes });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
