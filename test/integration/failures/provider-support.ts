import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { RunningService } from '../../../src/service/start-service';
import type { FcmEndpoint } from '../../support/fcm-endpoint';
import type { TwilioServer } from '../../support/twilio-server';
import { api } from '../../support/service-harness';

/**
 * A TCP server that accepts every connection and never says a word: an SMTP server hung before
 * its greeting. Nastier than a closed port, which fails at once: the client waits for its own
 * greeting timeout (10 s in src/channels/email-smtp.ts).
 */
export async function startHungServer() {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Reads are drained and ignored; nothing is ever written back.
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    /** Connections accepted so far. */
    connections: () => connections,
    /** Connections still open (the client has not given up on them yet). */
    open: () => sockets.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The service variables that point the real Twilio SDK at a local {@link TwilioServer}. */
export function twilioEnv(twilio: TwilioServer): Record<string, string> {
  return { TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM: '+14155550100', TWILIO_API_BASE_URL: twilio.url };
}

/** The service variables that point the real firebase-admin SDK at a local {@link FcmEndpoint} (pass `fcmAgent` too). */
export function fcmEnv(endpoint: FcmEndpoint): Record<string, string> {
  return { GOOGLE_APPLICATION_CREDENTIALS: endpoint.credentialsFile, GOOGLE_CLOUD_PROJECT: endpoint.projectId };
}

/** `GET /readyz`: HTTP status and body. */
export async function readiness(
  service: RunningService,
): Promise<{ status: number; ready: boolean; breakers: Record<string, string>; waiting: Record<string, number> }> {
  const { status, body } = await api(service, 'GET', '/readyz');
  return { status, ready: body.ready, breakers: body.checks.providers?.breakers ?? {}, waiting: body.checks.retries?.waiting ?? {} };
}

/**
 * The value of one sample of `GET /metrics` (Prometheus text), matched by name and exact labels,
 * or undefined when the service does not report it.
 */
export async function metric(service: RunningService, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '')
      .split(/,(?=\w+=")/)
      .filter(Boolean)
      .sort()
      .join(',');
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
}

/** Milliseconds since `start`, for timing assertions and the report. */
export const since = (start: number) => Date.now() - start;
