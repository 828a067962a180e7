import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, as it arrived. */
export interface ReceivedWebhook {
  method: string;
  /** Path and query string. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent (what signatures cover). */
  body: string;
  /** Date.now() when the body had fully arrived. */
  at: number;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  /** Never answer: the request stays open until close(). */
  hang?: boolean;
  /** Answer after this many ms (a slow provider that still accepts). */
  delayMs?: number;
}

/**
 * A real HTTP server on a random local port standing in for a partner's webhook endpoint.
 * It answers 204 unless scripted: `reply(status, headers)` sets the next answer, `failNext(status, n)`
 * the next n, `hangNext(n)` leaves the next n requests unanswered (for timeouts), `delayNext(ms)` answers
 * the next one late. Scripted answers
 * are used in order, then it returns to 204.
 */
export async function startWebhookReceiver() {
  const requests: ReceivedWebhook[] = [];
  const script: Answer[] = [];
  const open = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const answer = script.shift() ?? { status: 204, headers: {} };
      if (answer.hang) {
        open.add(res);
        return;
      }
      if (answer.delayMs) {
        open.add(res);
        setTimeout(() => open.delete(res) && res.writeHead(answer.status, answer.headers).end(), answer.delayMs);
        return;
      }
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    requests,
    /** `http://127.0.0.1:<port><path>`. */
    url: (path = '/hooks/herald') => `http://127.0.0.1:${port}${path}`,
    /** The next request gets `status` with these headers. */
    reply(status: number, headers: Record<string, string> = {}) {
      script.push({ status, headers });
    },
    /** The next `times` requests get `status`. */
    failNext(status: number, times = 1) {
      for (let i = 0; i < times; i++) script.push({ status, headers: {} });
    },
    /** The next `times` requests are never answered. */
    hangNext(times = 1) {
      for (let i = 0; i < times; i++) script.push({ status: 0, headers: {}, hang: true });
    },
    /** The next request is answered 204, but only after `ms`. */
    delayNext(ms: number) {
      script.push({ status: 204, headers: {}, delayMs: ms });
    },
    /** Stops listening and drops every connection, answered or not. */
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The receiver's handle, as returned by {@link startWebhookReceiver}. */
export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
