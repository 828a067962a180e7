import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { countSmsSegments } from '../../src/channels/sms-segments';

/** One request the server received. */
export interface TwilioRequestRecord {
  /** Arrival time, ms since the epoch. */
  at: number;
  method: string;
  path: string;
  /** True when HTTP basic auth matched the account sid and token. */
  authorized: boolean;
  /** The form-encoded body, parsed. */
  form: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** The HTTP status answered; undefined while the request hangs. */
  status?: number;
  /** The message SID answered with a 201. */
  sid?: string;
}

/** A scripted answer to the next Messages request; `hang` never answers (for timeouts). */
interface ScriptedReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  hang?: boolean;
}

/** A local stand-in for api.twilio.com, scriptable per test. */
export interface TwilioServer {
  /** Base URL to pass as `apiBaseUrl` (TWILIO_API_BASE_URL). */
  url: string;
  accountSid: string;
  authToken: string;
  /** Every request, in arrival order. */
  requests: TwilioRequestRecord[];
  /** The next `times` Messages requests answer `status` with Twilio's error shape (and `headers`, e.g. Retry-After). */
  failNext(status: number, times?: number, headers?: Record<string, string>): void;
  /** The next Messages request answers 429 with `Retry-After: retryAfterSeconds`. */
  reply429(retryAfterSeconds: number): void;
  /** The next Messages request is refused with a Twilio error code, as the real API does. */
  rejectNext(status: number, code: number, message: string): void;
  /** The next Messages request never gets an answer. */
  hangNext(): void;
  /** Forgets the scripted answers not used yet: from now on requests are accepted. */
  recover(): void;
  close(): Promise<void>;
}

/** An error body as Twilio's REST API answers it. */
export const twilioError = (status: number, code: number, message: string) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

function isAuthorized(request: IncomingMessage, accountSid: string, authToken: string): boolean {
  const header = request.headers.authorization ?? '';
  return header === `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
}

/** The message resource Twilio answers 201 with. */
export function messageResource(accountSid: string, form: Record<string, string>) {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const now = new Date().toUTCString().replace('GMT', '+0000');
  return {
    sid,
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: form.Body ?? '',
    date_created: now,
    date_updated: now,
    date_sent: null,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: form.From,
    to: form.To,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: String(Math.max(1, countSmsSegments(form.Body ?? '').segments)),
    price: null,
    price_unit: 'USD',
    status: 'queued',
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
  };
}

/**
 * Starts a real HTTP server on 127.0.0.1 speaking the part of Twilio's REST API the SDK uses to
 * send SMS: `POST /2010-04-01/Accounts/:sid/Messages.json` with basic auth and a form body.
 */
export async function startTwilioServer(options: { accountSid?: string; authToken?: string } = {}): Promise<TwilioServer> {
  const accountSid = options.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const requests: TwilioRequestRecord[] = [];
  const script: ScriptedReply[] = [];

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, record?: TwilioRequestRecord) => {
    if (record) record.status = status;
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  };

  const server = createServer((request, response) => {
    const at = Date.now();
    readForm(request)
      .then((form) => {
        const path = (request.url ?? '/').split('?')[0]!;
        const authorized = isAuthorized(request, accountSid, authToken);
        const record: TwilioRequestRecord = { at, method: request.method ?? '', path, authorized, form, headers: request.headers };
        requests.push(record);
        const answer = (status: number, body: unknown, headers?: Record<string, string>) => send(response, status, body, headers, record);
        const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
        if (request.method !== 'POST' || !match) {
          return answer(404, twilioError(404, 20404, `The requested resource ${path} was not found`));
        }
        if (!authorized || match[1] !== accountSid) return answer(401, twilioError(401, 20003, 'Authenticate'));
        const scripted = script.shift();
        if (scripted?.hang) return;
        if (scripted) return answer(scripted.status, scripted.body, scripted.headers);
        if (!form.To) return answer(400, twilioError(400, 21604, "A 'To' phone number is required."));
        if (!form.From) return answer(400, twilioError(400, 21603, "A 'From' phone number is required."));
        if (!form.Body) return answer(400, twilioError(400, 21602, 'Message body is required.'));
        const message = messageResource(accountSid, form);
        record.sid = message.sid;
        answer(201, message);
      })
      .catch((error: unknown) => send(response, 500, twilioError(500, 20500, String(error))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    failNext(status, times = 1, headers) {
      for (let i = 0; i < times; i += 1) script.push({ status, body: twilioError(status, 20500 + (status % 100), `Scripted failure ${status}`), headers });
    },
    reply429(retryAfterSeconds) {
      script.push({ status: 429, body: twilioError(429, 20429, 'Too Many Requests'), headers: { 'retry-after': String(retryAfterSeconds) } });
    },
    rejectNext(status, code, message) {
      script.push({ status, body: twilioError(status, code, message) });
    },
    hangNext() {
      script.push({ status: 0, hang: true });
    },
    recover() {
      script.length = 0;
    },
    close() {
      // Also ends keep-alive sockets and hung requests, or close() would wait for them.
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What {@link sendStatusCallback} posts. */
export interface StatusCallbackOptions {
  /** The URL Twilio was given (the signature covers it). */
  url: string;
  authToken: string;
  /** Form fields: MessageSid, MessageStatus, ErrorCode… */
  params: Record<string, string>;
  /** Where to POST when a proxy sits between Twilio and herald. Default `url`. */
  postTo?: string;
  /** Sign these instead of `params` (to tamper with the body after signing). */
  signedParams?: Record<string, string>;
  /** Send no X-Twilio-Signature header. */
  unsigned?: boolean;
}

/** POSTs a delivery report exactly as Twilio does: form-encoded, signed with X-Twilio-Signature. */
export async function sendStatusCallback(options: StatusCallbackOptions): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'TwilioProxy/1.1',
    'i-twilio-idempotency-token': randomBytes(16).toString('hex'),
  };
  if (!options.unsigned) {
    headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(options.authToken, options.url, options.signedParams ?? options.params);
  }
  const response = await fetch(options.postTo ?? options.url, { method: 'POST', headers, body: new URLSearchParams(options.params).toString() });
  return { status: response.status, body: await response.text() };
}
