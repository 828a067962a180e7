import { context, propagation, ROOT_CONTEXT, type Context, type TextMapGetter } from '@opentelemetry/api';
import type { MessageHeaders } from '../kafka/types';

/** Header values as kafkajs hands them to consumers (and as node:http hands request headers). */
type HeaderValue = MessageHeaders[string] | string[];

/** Reads kafkajs headers: values are Buffers when consumed, strings when produced, arrays when repeated. */
const headerGetter: TextMapGetter<Record<string, HeaderValue>> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key];
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value.map((v) => v.toString());
    return value.toString();
  },
};

/**
 * Writes the trace context of `ctx` (default: the active one) into `headers` as W3C
 * `traceparent`/`tracestate`, so whoever consumes the message continues the same trace.
 * With no tracing started the global propagator is a no-op and `headers` is left as it was.
 * @returns `headers`, for chaining.
 */
export function injectTraceContext<H extends Record<string, unknown>>(headers: H, ctx: Context = context.active()): H {
  propagation.inject(ctx, headers);
  return headers;
}

/**
 * The trace context a message carries in its headers (what {@link injectTraceContext} wrote), on
 * top of the root context: a consumer span started in it is the child of the producer's span.
 * Missing, malformed or absent headers give the root context (a new trace).
 */
export function extractTraceContext(headers: Record<string, HeaderValue> | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
}
