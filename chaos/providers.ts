/**
 * The chaos run's providers: a real SMTP server, a Twilio-compatible Messages API and an FCM v1
 * endpoint (with Google's OAuth2 token endpoint), each on a random loopback port, each behind a
 * fault switch, each recording what it accepted. The workers reach them through the real
 * nodemailer, twilio and firebase-admin SDKs.
 *
 * A receipt is written only when the provider accepts (250 / 201 / 200): a faulted call is never
 * processed, so a resend after a fault is not a duplicate. Permanently bad addresses get the
 * provider's real permanent refusal, and their deliveries must end in the DLQ:
 * `bounce-…@` mailboxes (SMTP 550), {@link INVALID_PHONE} (Twilio 21211), `dead-…` push tokens (FCM UNREGISTERED).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { answer, fcmReplies, readBody, writeServiceAccount } from '../test/support/fcm-endpoint';
import { messageResource, twilioError } from '../test/support/twilio-server';
import type { Fault, FaultSwitch } from './faults';

/** One message a provider accepted. */
export interface Receipt {
  channel: 'email' | 'sms' | 'push';
  /** From the X-Herald-Event-Id header (email) or the `ref` the chaos templates put in the text. */
  eventId: string;
  /** Mailbox, phone number or push token it went to. */
  address: string;
  /** Epoch ms it was accepted. */
  at: number;
}

/** A provider stand-in. */
export interface ChaosProvider {
  name: 'smtp' | 'twilio' | 'fcm';
  faults: FaultSwitch;
  receipts: Receipt[];
  /** Permanent refusals answered (bad addresses). */
  refused(): number;
  close(): Promise<void>;
}

/** A number Twilio refuses for good (21211, as its test credentials' magic number does). */
export const INVALID_PHONE = '+15005550001';

/** The event id the chaos templates put in SMS and push texts (`ref <id>;`). */
export function refOf(text: string): string | null {
  return /\bref ([A-Za-z0-9-]+);/.exec(text)?.[1] ?? null;
}

async function listen(server: Server | import('node:net').Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes an HTTP stand-in: cuts held calls and keep-alive sockets, or close() would wait for them. */
function closeHttp(server: Server, held: ReturnType<typeof heldSockets>): () => Promise<void> {
  return () => {
    held.release();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** Keeps the sockets of calls held unanswered (timeouts), to cut them when the provider closes. */
function heldSockets() {
  const held = new Set<Socket>();
  return {
    hold(socket: Socket) {
      held.add(socket);
      socket.once('close', () => held.delete(socket));
    },
    release: () => held.forEach((s) => s.destroy()),
  };
}

/** The real SMTP server (smtp-server), faults applied when the message data has arrived. */
export async function startChaosSmtp(faults: FaultSwitch): Promise<ChaosProvider & { url: string }> {
  const receipts: Receipt[] = [];
  const held = heldSockets();
  let refused = 0;
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (!address.address.startsWith('bounce-')) return callback();
      refused += 1;
      callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const fault: Fault | null = faults.next();
        // smtp-server keeps connections in `connections`; the one of this session is cut for `drop`.
        const connection = [...(server as unknown as { connections: Set<{ id: string; _socket: Socket }> }).connections].find((c) => c.id === session.id);
        if (fault === 'drop') return connection?._socket.destroy();
        if (fault === 'timeout') return connection && held.hold(connection._socket);
        if (fault === 'error') return callback(Object.assign(new Error('4.3.0 temporary failure, try again'), { responseCode: 451 }));
        if (fault === 'throttle') return callback(Object.assign(new Error('4.7.0 too many messages, slow down'), { responseCode: 452 }));
        const headers =
          Buffer.concat(chunks)
            .toString('utf8')
            .split(/\r?\n\r?\n/, 1)[0] ?? '';
        const eventId = /^X-Herald-Event-Id:\s*(\S+)/im.exec(headers)?.[1] ?? '?';
        const at = Date.now();
        for (const rcpt of session.envelope.rcptTo) receipts.push({ channel: 'email', eventId, address: rcpt.address, at });
        callback();
      });
    },
  });
  // A killed worker resets its connections; that is the run working, not a sink failure.
  server.on('error', () => undefined);
  const port = await listen(server.server);
  return {
    name: 'smtp',
    url: `smtp://127.0.0.1:${port}`,
    faults,
    receipts,
    refused: () => refused,
    close() {
      held.release();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `POST /2010-04-01/Accounts/:sid/Messages.json` as the twilio SDK calls it: basic auth, form body. */
export async function startChaosTwilio(faults: FaultSwitch): Promise<ChaosProvider & { url: string; accountSid: string; authToken: string }> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const receipts: Receipt[] = [];
  const held = heldSockets();
  let refused = 0;
  const server = createServer((request, response) => {
    const twilio = (status: number, body: unknown, headers?: Record<string, string>) => answer(response, { status, body, headers });
    readBody(request)
      .then((body) => {
        const form = Object.fromEntries(new URLSearchParams(body));
        if (request.url !== `/2010-04-01/Accounts/${accountSid}/Messages.json` || request.method !== 'POST')
          return twilio(404, twilioError(404, 20404, 'not found'));
        if (request.headers.authorization !== `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`)
          return twilio(401, twilioError(401, 20003, 'Authenticate'));
        const fault = faults.next();
        if (fault === 'drop') return request.socket.destroy();
        if (fault === 'timeout') return held.hold(request.socket);
        if (fault === 'error') return twilio(503, twilioError(503, 20503, 'Service unavailable'));
        if (fault === 'throttle') return twilio(429, twilioError(429, 20429, 'Too Many Requests'), { 'retry-after': '1' });
        if (form.To === INVALID_PHONE) {
          refused += 1;
          return twilio(400, twilioError(400, 21211, "The 'To' number is not a valid phone number."));
        }
        receipts.push({ channel: 'sms', eventId: refOf(form.Body ?? '') ?? '?', address: form.To ?? '?', at: Date.now() });
        twilio(201, messageResource(accountSid, form));
      })
      .catch((error: unknown) => twilio(500, twilioError(500, 20500, String(error))));
  });
  const port = await listen(server);
  return {
    name: 'twilio',
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    faults,
    receipts,
    refused: () => refused,
    close: closeHttp(server, held),
  };
}

/**
 * Google's OAuth2 token endpoint (`POST /token`) and the FCM v1 send API. The workers route both
 * here (chaos/worker-main.ts); the service-account file written to `dir` holds a throwaway key.
 */
export async function startChaosFcm(faults: FaultSwitch, dir: string): Promise<ChaosProvider & { port: number; projectId: string; credentialsFile: string }> {
  const projectId = `herald-chaos-${randomBytes(4).toString('hex')}`;
  mkdirSync(dir, { recursive: true });
  const credentialsFile = path.join(dir, 'fcm-service-account.json');
  writeServiceAccount(credentialsFile, projectId);
  const receipts: Receipt[] = [];
  const held = heldSockets();
  let refused = 0;
  let nextId = 1;
  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        if (request.method === 'POST' && request.url === '/token')
          return answer(response, {
            status: 200,
            body: { access_token: `ya29.chaos-${randomBytes(8).toString('hex')}`, expires_in: 3599, token_type: 'Bearer' },
          });
        if (request.method !== 'POST' || request.url !== `/v1/projects/${projectId}/messages:send`)
          return answer(response, { status: 404, body: { error: { code: 404, message: `no route ${request.method} ${request.url}`, status: 'NOT_FOUND' } } });
        const { message } = JSON.parse(body) as { message: { token: string; notification?: { title?: string; body?: string } } };
        const fault = faults.next();
        if (fault === 'drop') return request.socket.destroy();
        if (fault === 'timeout') return held.hold(request.socket);
        if (fault === 'error') return answer(response, fcmReplies.unavailable());
        if (fault === 'throttle') return answer(response, fcmReplies.quotaExceeded(1));
        if (message.token.startsWith('dead-')) {
          refused += 1;
          return answer(response, fcmReplies.unregistered());
        }
        receipts.push({
          channel: 'push',
          eventId: refOf(`${message.notification?.title ?? ''} ${message.notification?.body ?? ''}`) ?? '?',
          address: message.token,
          at: Date.now(),
        });
        answer(response, { status: 200, body: { name: `projects/${projectId}/messages/0:${Date.now()}%${nextId++}` } });
      })
      .catch((error: unknown) => answer(response, { status: 500, body: { error: { code: 500, message: String(error), status: 'INTERNAL' } } }));
  });
  const port = await listen(server);
  return {
    name: 'fcm',
    port,
    projectId,
    credentialsFile,
    faults,
    receipts,
    refused: () => refused,
    close: closeHttp(server, held),
  };
}
