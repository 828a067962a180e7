import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { applicationDefault, cert, deleteApp, initializeApp, type Credential, type ServiceAccount } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import { AddressRejectedError, ConfigError, RetriableError, describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { RedisKeys } from '../redis/keys';
import { classifyFcmFailure, mapFcmError, type FcmTokenFailure } from './fcm-errors';
import { tally, verdict, type TokenOutcome } from './fcm-outcome';
import type { ChannelProvider, OutboundMessage, SendResult } from './types';
import type { RedisClient } from '../redis/commands';

/** Settings of the FCM push provider. */
export interface FcmPushProviderOptions {
  /** Firebase project, from GOOGLE_CLOUD_PROJECT. Default: the service account's `project_id`. */
  projectId?: string;
  /** Service-account key file, from GOOGLE_APPLICATION_CREDENTIALS. Default: Application Default Credentials. */
  credentialsFile?: string;
  redis: RedisClient;
  keys: RedisKeys;
  /** Drops dead tokens from a user's profile (the user directory's `removePushTokens`). */
  removeTokens(recipientId: string, tokens: string[]): Promise<void>;
  logger: Logger;
  /** How long the tokens that accepted a delivery are remembered, so its retries skip them, in seconds. */
  acceptedRetentionSeconds: number;
  /** Agent for the OAuth2 and FCM calls (an egress proxy; tests route it to a local FCM). Default: Node's. */
  httpAgent?: Agent;
}

/** The SDK's limit per sendEach call. */
const MAX_BATCH = 500;

/** What every log line of this provider carries; never tokens or bodies. */
const logFields = (message: OutboundMessage) => ({ eventId: message.eventId, recipientId: message.recipientId, channel: 'push', provider: 'fcm' });

function credentialFrom(file: string | undefined, agent: Agent | undefined): Credential {
  if (file === undefined) return applicationDefault(agent);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(
      `GOOGLE_APPLICATION_CREDENTIALS (${file}) is not a readable JSON key file (${describeError(error)}); point it at the service-account key ` +
        `downloaded from the Firebase console`,
      error,
    );
  }
  // Workload identity federation and gcloud user credentials are not service accounts:
  // Google's own loader reads them from the same GOOGLE_APPLICATION_CREDENTIALS.
  if (json.type !== 'service_account') return applicationDefault(agent);
  try {
    return cert(json as ServiceAccount, agent);
  } catch (error) {
    throw new ConfigError(
      `GOOGLE_APPLICATION_CREDENTIALS (${file}) is not a valid service-account key (${describeError(error)}); download a new key from Firebase console > ` +
        `Project settings > Service accounts`,
      error,
    );
  }
}

/** Sends one message per token (same notification and data) and reports each token's answer. */
async function sendToTokens(messaging: Messaging, message: OutboundMessage, tokens: string[]): Promise<TokenOutcome[]> {
  const secrets = [...tokens, message.content.title, message.content.text];
  const outcomes: TokenOutcome[] = [];
  for (let i = 0; i < tokens.length; i += MAX_BATCH) {
    const batch = tokens.slice(i, i + MAX_BATCH);
    try {
      const { responses } = await messaging.sendEachForMulticast({
        tokens: batch,
        notification: { title: message.content.title, body: message.content.text },
        data: { eventId: message.eventId, type: message.meta.type, deliveryId: message.deliveryId },
      });
      responses.forEach((r, j) => {
        const token = batch[j]!;
        outcomes.push(r.success ? { token, name: r.messageId ?? '' } : { token, failure: classifyFcmFailure(r.error, secrets) });
      });
    } catch (error) {
      // The whole call failed before any token was tried (no project id, SDK validation).
      const failure: FcmTokenFailure = { kind: 'error', error: mapFcmError(error, secrets) };
      outcomes.push(...batch.map((token) => ({ token, failure })));
    }
  }
  return outcomes;
}

/**
 * Push through Firebase Cloud Messaging (id `fcm`), with the firebase-admin SDK: one message per
 * token carrying the rendered title and text, and `eventId`, `type`, `deliveryId` as data.
 * Tokens FCM reports unregistered or invalid are pruned from the user's profile. Tokens that
 * accepted a delivery are remembered, so a retry after a partial failure sends only to the rest.
 * Throws AddressRejectedError (`push_token_unregistered`) when every token is dead,
 * RetriableError when some token may succeed later, PermanentError for setup or payload problems.
 */
export function createFcmPushProvider(options: FcmPushProviderOptions): ChannelProvider {
  const { redis, keys, logger } = options;
  // A name of its own, so two providers (or a test's) never share or delete each other's app.
  const app = initializeApp(
    { credential: credentialFrom(options.credentialsFile, options.httpAgent), projectId: options.projectId, httpAgent: options.httpAgent },
    `herald-fcm-${randomUUID()}`,
  );
  const messaging = getMessaging(app);
  // HTTP/1.1, not the SDK's HTTP/2 default: the HTTP/2 session connects on its own and ignores
  // `httpAgent`, so neither an egress proxy nor the test's local FCM could carry it, and one broken
  // session fails the whole batch instead of single tokens. This keeps one code path in production and tests.
  messaging.enableLegacyHttpTransport();

  async function acceptedBefore(message: OutboundMessage): Promise<Set<string>> {
    try {
      return new Set(await redis.smembers(keys.pushAccepted(message.deliveryId)));
    } catch (error) {
      throw new RetriableError(
        `Cannot read which push tokens already got delivery ${message.deliveryId} (${describeError(error)}); check REDIS_URL and that ` +
          `Redis is up, it will be retried`,
        'push_state_unavailable',
        error,
      );
    }
  }

  /** True when recorded; false (logged) when Redis failed, so the caller must not retry. */
  async function recordAccepted(message: OutboundMessage, tokens: string[]): Promise<boolean> {
    if (tokens.length === 0) return true;
    const key = keys.pushAccepted(message.deliveryId);
    try {
      const results = await redis
        .multi()
        .sadd(key, ...tokens)
        .expire(key, options.acceptedRetentionSeconds)
        .exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('transaction aborted');
      return true;
    } catch (error) {
      logger.error('push accepted tokens not recorded', { ...logFields(message), count: tokens.length, error: describeError(error) });
      return false;
    }
  }

  /** True when the tokens left the user's profile. Housekeeping: a failure is logged, never thrown. */
  async function prune(message: OutboundMessage, tokens: string[]): Promise<boolean> {
    // A direct address has no profile to prune.
    if (tokens.length === 0 || message.recipientId.startsWith('direct:')) return false;
    try {
      await options.removeTokens(message.recipientId, tokens);
      logger.info('push tokens pruned', { ...logFields(message), count: tokens.length });
      return true;
    } catch (error) {
      logger.warn('push tokens not pruned', { ...logFields(message), count: tokens.length, error: describeError(error) });
      return false;
    }
  }

  return {
    id: 'fcm',
    channel: 'push',
    async send(message): Promise<SendResult> {
      const all = [...new Set(message.to)];
      if (all.length === 0) throw new AddressRejectedError('The recipient has no push token; the user must open the app so it registers one', 'push_no_tokens');
      const before = await acceptedBefore(message);
      const pending = all.filter((t) => !before.has(t));
      if (pending.length < all.length) logger.info('push tokens already accepted skipped', { ...logFields(message), count: all.length - pending.length });
      const t = tally(
        all.filter((token) => before.has(token)),
        pending.length > 0 ? await sendToTokens(messaging, message, pending) : [],
      );

      const recorded = await recordAccepted(message, t.fresh);
      // SenderId mismatch is only the tokens' fault if this project demonstrably reaches the
      // user's app: a wrong GOOGLE_APPLICATION_CREDENTIALS must not wipe every user's tokens.
      const pruned = await prune(message, t.accepted.length > 0 ? [...t.dead, ...t.mismatched] : t.dead);
      if (t.mismatched.length > 0 && t.accepted.length === 0)
        logger.warn('push tokens kept despite sender mismatch', { ...logFields(message), count: t.mismatched.length });
      const result = verdict(t, all.length, recorded, pruned);
      const rejected = result.recipients?.rejected.length ?? 0;
      if (rejected > 0) logger.warn('push partly delivered', { ...logFields(message), accepted: t.accepted.length, rejected });
      return result;
    },
    async close() {
      await deleteApp(app);
    },
  };
}
