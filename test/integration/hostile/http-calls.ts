import { Agent, request } from 'node:http';
import { describeInput, type HostileInput } from './hostile-input';

/**
 * HTTP calls of the hostile suite, through node:http rather than fetch: the path goes out exactly
 * as written (fetch would resolve `..` and re-encode it), and the body as raw bytes.
 */

/** One request: the method, the raw path (query included) and the body, with the field it aims at. */
export interface HttpInput extends Pick<HostileInput, 'field' | 'value' | 'mustReject'> {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  /** Default application/json when there is a body. */
  contentType?: string;
  /** Request headers over the defaults (the test key as `authorization`, the content type and length). */
  requestHeaders?: Record<string, string | string[]>;
}

/** What the service answered, and how long it took. */
export interface HttpResult {
  input: HttpInput;
  status: number;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: any;
  ms: number;
  /** Set when the request failed on the way (reset, timeout). */
  failure?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function send(url: string, input: HttpInput, timeoutMs: number): Promise<Omit<HttpResult, 'input' | 'ms'>> {
  const { hostname, port } = new URL(url);
  const headers: Record<string, string | number | string[]> = { authorization: 'Bearer test-key' };
  if (input.value) Object.assign(headers, { 'content-type': input.contentType ?? 'application/json', 'content-length': input.value.length });
  Object.assign(headers, input.requestHeaders);
  return new Promise((resolve) => {
    const req = request({ agent, hostname, port, method: input.method, path: input.path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // Kept as text: the check on error bodies reports it.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', (error) => resolve({ status: 0, body: null, failure: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ status: 0, body: null, failure: error.message }));
    req.end(input.value ?? undefined);
  });
}

/** Sends every input, `concurrency` at a time, timing each. */
export async function callAll(url: string, inputs: HttpInput[], concurrency = 6, timeoutMs = 20_000): Promise<HttpResult[]> {
  const results: HttpResult[] = [];
  let next = 0;
  const lane = async () => {
    while (next < inputs.length) {
      const input = inputs[next++]!;
      const started = performance.now();
      const answer = await send(url, input, timeoutMs);
      results.push({ input, ...answer, ms: Math.round(performance.now() - started) });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}

/** GET `path` (sent as written: no dot segment resolved) from the service at `url`, with the test key. */
export async function getJson(url: string, path: string): Promise<{ status: number; body: any }> {
  return send(url, { field: 'lookup', value: null, mustReject: false, method: 'GET', path }, 20_000);
}

/**
 * What is wrong with the answers: a 5xx other than 503 with `retryable: true`, an error answer
 * without `error` and `message`, an input the contract must refuse that was accepted, a failed request.
 */
export function httpProblems(results: HttpResult[]): string[] {
  return results.flatMap(({ input, status, body, failure }) => {
    const what = `${input.method} ${input.path.slice(0, 80)} ${describeInput(input)}`;
    if (failure) return [`request failed (${failure}): ${what}`];
    if (status >= 500 && !(status === 503 && body?.retryable === true)) return [`answered ${status} ${JSON.stringify(body).slice(0, 200)}: ${what}`];
    if (status >= 400 && (typeof body?.error !== 'string' || typeof body?.message !== 'string'))
      return [`answered ${status} without error and message (${JSON.stringify(body).slice(0, 120)}): ${what}`];
    if (input.mustReject && status < 400) return [`accepted (${status}) an input the contract refuses: ${what}`];
    return [];
  });
}

/** The slowest answer, for the batch's report line. */
export function slowest(results: HttpResult[]): string {
  const top = results.reduce<HttpResult | undefined>((a, b) => (a && a.ms >= b.ms ? a : b), undefined);
  return top ? `${top.ms} ms (${top.input.method} ${top.input.path.slice(0, 60)} ${describeInput(top.input)})` : 'none';
}
