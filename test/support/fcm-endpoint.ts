import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent, type AgentOptions } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';

/**
 * A local stand-in for Google's OAuth2 token endpoint and the FCM v1 send API, for the real
 * firebase-admin SDK. Both hosts are hard-coded in the SDK (a service account's `token_uri` is
 * ignored), so requests are redirected, not re-addressed:
 *
 * - FCM sends go out through the SDK's HTTP/1.1 transport with the app's `httpAgent`: {@link FcmEndpoint.httpAgent}
 *   opens its sockets to this server instead of fcm.googleapis.com (plain TCP: TLS is not under test).
 * - The OAuth2 call goes through google-auth-library's gaxios, which under Jest cannot load its
 *   fetch (`import('node-fetch')` needs --experimental-vm-modules). gaxios uses `window.fetch`
 *   when a `window` exists, so {@link installGoogleFetch} gives this test file's global a
 *   `window` holding only a fetch that routes oauth2.googleapis.com/token here and refuses any
 *   other host. (nock 15 cannot help: it is ESM-only, which Jest's CommonJS runtime cannot load.)
 *
 * Everything else is real: the SDK signs a JWT with the throwaway key, trades it for a bearer
 * token, builds the v1 request and parses Google's error JSON.
 */
export interface FcmEndpoint {
  projectId: string;
  /** A throwaway service-account key file whose key this endpoint checks JWT signatures with. */
  credentialsFile: string;
  clientEmail: string;
  /** The bearer token the token endpoint hands out. */
  accessToken: string;
  /** Pass as the provider's `httpAgent`. */
  httpAgent: Agent;
  /** Every send request, in arrival order (retries by the SDK included). */
  sends: FcmSend[];
  /** Every token request, with the JWT's claims and whether its signature matched the key. */
  tokenRequests: { grantType: string; claims: Record<string, unknown>; signatureValid: boolean }[];
  /** The next sends to `token` answer these replies in turn (then success again). */
  replyTo(token: string, ...replies: FcmReply[]): void;
  /** Every send to `token` answers `reply`, for good. */
  alwaysReplyTo(token: string, reply: FcmReply): void;
  /** The next token request answers `reply` (e.g. {@link fcmReplies.invalidGrant}). */
  replyToTokenRequest(reply: FcmReply): void;
  /** Sends received for `token`. */
  sendsTo(token: string): FcmSend[];
  /** Stops listening: later connections are refused. */
  close(): Promise<void>;
}

/** One send request as FCM saw it. */
export interface FcmSend {
  host: string | undefined;
  path: string;
  authorization: string | undefined;
  message: { token: string; notification?: { title?: string; body?: string }; data?: Record<string, string> };
}

/** An HTTP answer. */
export interface FcmReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const fcmError = (status: number, grpcStatus: string, message: string, errorCode?: string, extra: object[] = []): FcmReply => ({
  status,
  body: {
    error: {
      code: status,
      message,
      status: grpcStatus,
      details: [...(errorCode ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] : []), ...extra],
    },
  },
});

/** Google's answers, as the v1 API sends them. */
export const fcmReplies = {
  unregistered: () => fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED'),
  /** A malformed token: FCM v1 says INVALID_ARGUMENT, like a bad payload, and names the token only in the text. */
  invalidToken: () =>
    fcmError(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT', [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'message.token', description: 'The registration token is not a valid FCM registration token' }],
      },
    ]),
  invalidArgument: (message = 'Request contains an invalid argument.') => fcmError(400, 'INVALID_ARGUMENT', message, 'INVALID_ARGUMENT'),
  senderIdMismatch: () => fcmError(403, 'PERMISSION_DENIED', 'SenderId mismatch', 'SENDER_ID_MISMATCH'),
  /** The service account may not send (IAM): no FcmError detail, yet the SDK maps it to the same code as a sender mismatch. */
  permissionDenied: (projectId: string) =>
    fcmError(
      403,
      'PERMISSION_DENIED',
      `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${projectId}' (or it may not exist).`,
    ),
  unavailable: () => fcmError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE'),
  quotaExceeded: (retryAfterSeconds: number) => ({
    ...fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric ‘Send requests’.', 'QUOTA_EXCEEDED'),
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  thirdPartyAuth: () => fcmError(401, 'UNAUTHENTICATED', 'Auth error from APNS or Web Push Service', 'THIRD_PARTY_AUTH_ERROR'),
  invalidGrant: (): FcmReply => ({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } }),
};

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
let current: { url: string } | undefined;
const globals = globalThis as { window?: unknown };

/**
 * Gives this test file's global a `window` whose only member is a fetch that sends Google
 * OAuth2 token requests to the current endpoint (see {@link FcmEndpoint}); call in `beforeAll`.
 * Returns the undo for `afterAll`. Only this file's sandbox sees it: Jest gives each test file its own global.
 */
export function installGoogleFetch(): () => void {
  const routed = (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    if (url !== GOOGLE_TOKEN_URL || !current)
      return Promise.reject(new Error(`fcm-endpoint: the test tried to reach ${url}; only ${GOOGLE_TOKEN_URL} is routed, to a started endpoint`));
    return fetch(`${current.url}/token`, init);
  };
  globals.window = { fetch: routed };
  return () => {
    delete globals.window;
  };
}

/** A request's whole body as UTF-8 text. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes `reply` as JSON, as Google's endpoints answer. */
export function answer(response: ServerResponse, reply: FcmReply): void {
  response.writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8', ...reply.headers });
  response.end(JSON.stringify(reply.body));
}

/**
 * Writes a throwaway service-account key file for `projectId` to `file`, as Google issues them, with
 * a fresh RSA key pair; returns the public key (to check JWT signatures) and the client email.
 */
export function writeServiceAccount(file: string, projectId: string): { publicKey: KeyObject; clientEmail: string } {
  const clientEmail = `herald@${projectId}.iam.gserviceaccount.com`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(
    file,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: clientEmail,
      client_id: '100000000000000000001',
      token_uri: GOOGLE_TOKEN_URL,
    }),
  );
  return { publicKey, clientEmail };
}

/**
 * An https agent whose sockets open to 127.0.0.1:`port` in plain TCP: the SDK still builds its
 * https://fcm.googleapis.com requests, and they reach the local endpoint.
 */
export function agentTo(port: number, options?: AgentOptions): Agent {
  return new (class extends Agent {
    override createConnection(): Duplex {
      return connect(port, '127.0.0.1');
    }
  })(options);
}

/** Starts an endpoint on a random port, with a fresh key pair and project id. */
export async function startFcmEndpoint(): Promise<FcmEndpoint> {
  const projectId = `herald-test-${randomBytes(4).toString('hex')}`;
  const accessToken = `ya29.test-${randomBytes(12).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-fcm-'));
  const credentialsFile = path.join(dir, 'service-account.json');
  const { publicKey, clientEmail } = writeServiceAccount(credentialsFile, projectId);

  const sends: FcmSend[] = [];
  const tokenRequests: FcmEndpoint['tokenRequests'] = [];
  const scripted = new Map<string, FcmReply[]>();
  const permanent = new Map<string, FcmReply>();
  const tokenReplies: FcmReply[] = [];
  let nextId = 1;

  const onToken = (body: string): FcmReply => {
    const form = new URLSearchParams(body);
    const [header = '', payload = '', signature = ''] = (form.get('assertion') ?? '').split('.');
    tokenRequests.push({
      grantType: form.get('grant_type') ?? '',
      claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8') || '{}') as Record<string, unknown>,
      signatureValid: verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url')),
    });
    return tokenReplies.shift() ?? { status: 200, body: { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' } };
  };

  const onSend = (request: IncomingMessage, body: string): FcmReply => {
    const { message } = JSON.parse(body) as { message: FcmSend['message'] };
    sends.push({ host: request.headers.host, path: request.url ?? '', authorization: request.headers.authorization, message });
    const reply = scripted.get(message.token)?.shift() ?? permanent.get(message.token);
    return reply ?? { status: 200, body: { name: `projects/${projectId}/messages/0:${Date.now()}%${nextId++}` } };
  };

  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        if (request.method === 'POST' && request.url === '/token') return answer(response, onToken(body));
        if (request.method === 'POST' && request.url === `/v1/projects/${projectId}/messages:send`) return answer(response, onSend(request, body));
        answer(response, { status: 404, body: { error: { code: 404, message: `no route ${request.method} ${request.url}`, status: 'NOT_FOUND' } } });
      })
      .catch((error: unknown) => answer(response, { status: 500, body: { error: { code: 500, message: String(error), status: 'INTERNAL' } } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  current = { url };

  const httpAgent = agentTo(port);

  return {
    projectId,
    credentialsFile,
    clientEmail,
    accessToken,
    httpAgent,
    sends,
    tokenRequests,
    replyTo: (token, ...replies) => scripted.set(token, [...(scripted.get(token) ?? []), ...replies]),
    alwaysReplyTo: (token, reply) => permanent.set(token, reply),
    replyToTokenRequest: (reply) => tokenReplies.push(reply),
    sendsTo: (token) => sends.filter((s) => s.message.token === token),
    async close() {
      if (current?.url === url) current = undefined;
      httpAgent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
