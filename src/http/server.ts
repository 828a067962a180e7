import Fastify, { type FastifyInstance } from 'fastify';
import type { Clock } from '../shared/clock';
import type { HttpLimits } from '../config/schema';
import { LIMITS } from '../contract/limits';
import type { EventV2 } from '../contract/event-v2';
import type { Logger } from '../shared/logger';
import type { Metrics } from '../metrics/metrics';
import type { UserProfile } from '../recipients/user-profile';
import { createBearerAuth } from './auth';
import { createErrorHandler } from './error-handler';
import { HttpError } from './http-error';
import { parseJsonBody } from './json-body';
import type { StoredNotification } from './notification-view';
import { notificationRoutes } from './routes/notifications';
import { notifyRoutes } from './routes/notify';
import { probeRoutes } from './routes/probes';
import { twilioStatusRoutes, type TwilioStatusDeps } from './routes/twilio-status';
import { userRoutes } from './routes/users';

/**
 * What the HTTP API needs, as narrow ports: the server knows nothing of Kafka or Redis,
 * the service composition wires these to them (and tests to real ones with test settings).
 */
export interface HttpDeps {
  /** Bearer keys accepted on `/api/*` (from `HERALD_API_KEYS`); empty refuses every call. */
  apiKeys: string[];
  /** Timeouts and connection cap (config `http`). */
  limits: HttpLimits;
  logger: Logger;
  metrics: Metrics;
  /** Publishes to `notifications.incoming`; rejects when Kafka did not take the event. */
  publish(event: EventV2): Promise<void>;
  /** `scheduling.maxHorizon`: an event due further ahead than this is refused with 400, before it is published. */
  maxHorizonMs: number;
  clock: Clock;
  /** The user directory. */
  users: { get(id: string): Promise<UserProfile | null>; put(id: string, profile: UserProfile): Promise<void> };
  /** The newest `limit` in-app items of a user. */
  inbox(userId: string, limit: number): Promise<unknown[]>;
  /**
   * An event as stored (its meta may hold the whole event), or null when herald has no record of it.
   * The route answers only the allow-listed fields of ./notification-view.ts.
   */
  notification(id: string): Promise<StoredNotification | null>;
  /**
   * Cancels a scheduled event (`sendAt`/`delay`) that has not fired yet: `cancelled` (now or before),
   * `firing`/`fired` (too late), `unknown` (never scheduled).
   */
  cancel(id: string): Promise<'cancelled' | 'already_cancelled' | 'firing' | 'fired' | 'unknown'>;
  /** Whether dependencies are reachable, with one check per dependency. */
  readiness(): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> }>;
  /** Twilio delivery reports (`POST /webhooks/twilio/status`); absent when Twilio or HERALD_PUBLIC_URL is not configured. */
  twilioStatus?: Omit<TwilioStatusDeps, 'logger'>;
}

/**
 * fastify's and Node's timeouts from the config. fastify turns Node's request timeout off (0) and
 * sets no idle timeout, so without these a body dripped a byte a second, or a socket that never
 * sends, is held for ever. Node enforces the request and headers timeouts by sweeping its
 * connections every `connectionsCheckingInterval` (30 s by default, which would let a 30 s limit
 * run to 60 s): a quarter of the headers timeout, at most a second, keeps a close within that of its limit.
 */
function timeoutOptions(limits: HttpLimits) {
  const connectionsCheckingInterval = Math.min(1_000, Math.ceil(limits.headersTimeoutMs / 4));
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: { requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval },
  };
}

/**
 * Builds the HTTP API (not yet listening: call `listen`). `/api/*` requires a bearer key;
 * `/healthz`, `/readyz` and `/metrics` do not. Bodies are limited to `LIMITS.maxEventBytes`; slow and
 * silent clients are closed, and connections past `limits.maxConnections` dropped (config `http`).
 */
export function createHttpServer(deps: HttpDeps): FastifyInstance {
  const bodyLimit = LIMITS.maxEventBytes;
  // fastify's logger expects pino; herald logs through winston, one line per decision, instead.
  // Ids reach 200 characters, up to three times that once percent-encoded (fastify's default is 100).
  const app = Fastify({ logger: false, bodyLimit, routerOptions: { maxParamLength: 3 * LIMITS.maxIdLength }, ...timeoutOptions(deps.limits) });
  app.server.maxConnections = deps.limits.maxConnections;

  app.setErrorHandler(createErrorHandler(deps.logger, bodyLimit));
  // herald's own JSON parser: the same refusals as fastify's, each with its own error (./json-body.ts).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setNotFoundHandler((request) => {
    throw new HttpError(
      404,
      'not_found',
      `no route for ${request.method} ${request.url.split('?')[0]}; herald serves /api/notify, /api/users/:id, /api/users/:id/inbox, /api/notifications/:id ` +
        `(GET, DELETE), /webhooks/twilio/status, /healthz, /readyz and /metrics`,
    );
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, keeps the label set small.
    deps.metrics.httpRequests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  probeRoutes(app, deps);
  if (deps.twilioStatus) twilioStatusRoutes(app, { ...deps.twilioStatus, logger: deps.logger });
  // An encapsulated plugin: the auth hook guards exactly the routes registered inside it.
  void app.register(
    async (api) => {
      api.addHook('onRequest', createBearerAuth(deps.apiKeys));
      notifyRoutes(api, deps);
      userRoutes(api, deps);
      notificationRoutes(api, deps);
    },
    { prefix: '/api' },
  );
  return app;
}
