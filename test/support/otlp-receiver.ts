import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** An attribute value as OTLP/JSON carries it, decoded. */
export type AttributeValue = string | number | boolean | null | AttributeValue[];

/** One span as the collector received it (ids in hex, as OTLP/JSON writes them). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Absent on a root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, AttributeValue>;
  /** OTLP status: code 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  events: { name: string; attributes: Record<string, AttributeValue> }[];
  /** `service.name` of the resource the span came with. */
  serviceName?: string;
}

type OtlpKeyValue = { key: string; value?: OtlpAnyValue };
type OtlpAnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: OtlpAnyValue[] } };
type OtlpSpan = Omit<ReceivedSpan, 'attributes' | 'events' | 'serviceName' | 'status'> & {
  attributes?: OtlpKeyValue[];
  events?: { name: string; attributes?: OtlpKeyValue[] }[];
  status?: { code?: number; message?: string };
};
type OtlpRequest = { resourceSpans?: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] };

function decode(value: OtlpAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decode);
  return null;
}

const attributesOf = (list: OtlpKeyValue[] = []) => Object.fromEntries(list.map((kv) => [kv.key, decode(kv.value)]));

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

/**
 * A real OTLP/HTTP receiver on a random local port, standing in for an OpenTelemetry collector:
 * it takes JSON `POST /v1/traces` (what @opentelemetry/exporter-trace-otlp-http sends), answers
 * 200, and collects the spans. Anything else (another path, protobuf) is answered 404/415 and
 * recorded in `requests`, so a test sees the exporter speaking the wrong dialect.
 */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const requests: { path: string; contentType: string | undefined; status: number }[] = [];
  /** Every accepted body, as text: to check what never reaches the collector. */
  const bodies: string[] = [];

  const server = createServer((request, response) => {
    void (async () => {
      const body = await bodyOf(request);
      const contentType = request.headers['content-type'];
      const status = request.method !== 'POST' || request.url !== '/v1/traces' ? 404 : !contentType?.startsWith('application/json') ? 415 : 200;
      requests.push({ path: request.url ?? '', contentType, status });
      if (status === 200) {
        const text = body.toString('utf8');
        bodies.push(text);
        for (const resourceSpans of (JSON.parse(text) as OtlpRequest).resourceSpans ?? []) {
          const serviceName = attributesOf(resourceSpans.resource?.attributes)['service.name'];
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const s of scope.spans ?? []) {
              spans.push({
                traceId: s.traceId,
                spanId: s.spanId,
                ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
                name: s.name,
                kind: s.kind,
                attributes: attributesOf(s.attributes),
                status: { code: s.status?.code ?? 0, ...(s.status?.message ? { message: s.status.message } : {}) },
                events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
                ...(typeof serviceName === 'string' ? { serviceName } : {}),
              });
            }
          }
        }
      }
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(status === 200 ? '{}' : JSON.stringify({ error: `not an OTLP/JSON trace export (${request.method} ${request.url}, ${contentType})` }));
    })().catch((error: unknown) => response.writeHead(400).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    /** The base URL to configure as OTEL_EXPORTER_OTLP_ENDPOINT. */
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The receiver, as returned by {@link startOtlpReceiver}. */
export type OtlpReceiver = Awaited<ReturnType<typeof startOtlpReceiver>>;
