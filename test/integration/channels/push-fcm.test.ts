import { getApps } from 'firebase-admin/app';
import { createFcmPushProvider } from '../../../src/channels/push-fcm';
import type { ChannelProvider, OutboundMessage } from '../../../src/channels/types';
import { AddressRejectedError, ConfigError, PermanentError, RetriableError } from '../../../src/shared/errors';
import { createKeys, type RedisKeys } from '../../../src/redis/keys';
import { createUserDirectory, type UserDirectory } from '../../../src/recipients/user-directory';
import { userProfileSchema } from '../../../src/recipients/user-profile';
import { captureLogger } from '../../support/capture-logger';
import { fcmReplies, installGoogleFetch, startFcmEndpoint, type FcmEndpoint } from '../../support/fcm-endpoint';
import { testRedis } from '../../support/infra';
import { outbound } from './support';

// Token-shaped values, long enough that a leak into a log or an error message is unmistakable.
const GOOD = `good-${'a'.repeat(60)}`;
const BAD = `bad-${'b'.repeat(60)}`;
const OTHER = `other-${'c'.repeat(60)}`;

async function sendError(provider: ChannelProvider, message: OutboundMessage): Promise<Error> {
  try {
    await provider.send(message);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected send to fail');
}

describe('fcm push provider (real firebase-admin against a local FCM)', () => {
  let uninstall: () => void;
  let infra: ReturnType<typeof testRedis>;
  let keys: RedisKeys;
  let directory: UserDirectory;
  let endpoint: FcmEndpoint;
  let log: ReturnType<typeof captureLogger>;
  let pruneCalls: { recipientId: string; tokens: string[] }[];
  const providers: ChannelProvider[] = [];

  beforeAll(() => {
    uninstall = installGoogleFetch();
  });
  afterAll(() => uninstall());

  beforeEach(async () => {
    infra = testRedis();
    keys = createKeys(infra.prefix);
    directory = createUserDirectory({ redis: infra.redis, keys });
    endpoint = await startFcmEndpoint();
    log = captureLogger();
    pruneCalls = [];
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close?.()));
    await endpoint.close();
    await infra.cleanup();
  });

  function provider(): ChannelProvider {
    const p = createFcmPushProvider({
      projectId: endpoint.projectId,
      credentialsFile: endpoint.credentialsFile,
      redis: infra.redis,
      keys,
      removeTokens: async (recipientId, tokens) => {
        pruneCalls.push({ recipientId, tokens });
        await directory.removePushTokens(recipientId, tokens);
      },
      logger: log.logger,
      acceptedRetentionSeconds: 3600,
      httpAgent: endpoint.httpAgent,
    });
    providers.push(p);
    return p;
  }

  /** A push message to a stored user holding exactly `tokens`. */
  async function toUser(tokens: string[]): Promise<OutboundMessage> {
    const message = outbound('push', tokens);
    await directory.put(message.recipientId, userProfileSchema.parse({ email: 'ada@example.com', pushTokens: tokens }));
    return message;
  }

  const storedTokens = async (message: OutboundMessage) => (await directory.get(message.recipientId))?.pushTokens;

  function expectNoSecretsLogged(message: OutboundMessage) {
    for (const secret of [...message.to, message.content.text]) expect(log.text()).not.toContain(secret);
  }

  it('sends title, text and data to the token with a bearer token from a JWT signed by the service account', async () => {
    const message = await toUser([GOOD]);
    const result = await provider().send(message);

    expect(endpoint.tokenRequests).toHaveLength(1);
    const [tokenRequest] = endpoint.tokenRequests;
    expect(tokenRequest).toMatchObject({ grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer', signatureValid: true });
    expect(tokenRequest!.claims).toMatchObject({ iss: endpoint.clientEmail, aud: 'https://oauth2.googleapis.com/token' });
    expect(String(tokenRequest!.claims.scope)).toContain('https://www.googleapis.com/auth/firebase.messaging');

    expect(endpoint.sends).toHaveLength(1);
    const [send] = endpoint.sends;
    expect(send).toMatchObject({
      host: 'fcm.googleapis.com',
      path: `/v1/projects/${endpoint.projectId}/messages:send`,
      authorization: `Bearer ${endpoint.accessToken}`,
    });
    expect(send!.message).toEqual({
      token: GOOD,
      notification: { title: 'Disk full', body: 'Free some space & retry' },
      data: { eventId: message.eventId, type: 'alert', deliveryId: message.deliveryId },
    });

    expect(result.providerMessageId).toMatch(new RegExp(`^projects/${endpoint.projectId}/messages/`));
    expect(result.recipients).toEqual({ accepted: [GOOD], rejected: [] });
    expect(await infra.redis.smembers(keys.pushAccepted(message.deliveryId))).toEqual([GOOD]);
    expect(await infra.redis.ttl(keys.pushAccepted(message.deliveryId))).toBeGreaterThan(3500);
  });

  it('sends to the live token and prunes the unregistered one from the user profile', async () => {
    endpoint.replyTo(BAD, fcmReplies.unregistered());
    const message = await toUser([BAD, GOOD]);
    const result = await provider().send(message);

    expect(endpoint.sendsTo(GOOD)).toHaveLength(1);
    expect(result.recipients).toEqual({ accepted: [GOOD], rejected: [BAD] });
    expect(await storedTokens(message)).toEqual([GOOD]);
    expect((await directory.get(message.recipientId))?.email).toBe('ada@example.com');
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ message: 'push tokens pruned', count: 1, recipientId: message.recipientId, eventId: message.eventId }),
    );
    expectNoSecretsLogged(message);
  });

  it('throws AddressRejectedError when every token is unregistered or malformed, and prunes them all', async () => {
    endpoint.replyTo(BAD, fcmReplies.unregistered());
    // FCM v1 reports a malformed token as INVALID_ARGUMENT: only its text tells it from a bad payload.
    endpoint.replyTo(OTHER, fcmReplies.invalidToken());
    const message = await toUser([BAD, OTHER]);
    const error = await sendError(provider(), message);

    expect(error).toBeInstanceOf(AddressRejectedError);
    expect(error).toMatchObject({ code: 'push_token_unregistered', retriable: false });
    expect(await storedTokens(message)).toEqual([]);
    expect(error.message).not.toContain(BAD);
    expectNoSecretsLogged(message);
  });

  it('does not touch any profile for a direct recipient', async () => {
    endpoint.replyTo(BAD, fcmReplies.unregistered());
    const message = outbound('push', [BAD], { recipientId: 'direct:0123abcd' });
    const error = await sendError(provider(), message);
    expect(error).toMatchObject({ code: 'push_token_unregistered' });
    expect(pruneCalls).toEqual([]);
  });

  it('throws RetriableError on a persistent 503 (after the SDK retried it), and the retry sends only to the token not yet accepted', async () => {
    endpoint.replyTo(BAD, ...Array.from({ length: 5 }, fcmReplies.unavailable));
    const message = await toUser([GOOD, BAD]);
    const fcm = provider();
    const error = await sendError(fcm, message);

    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ code: 'fcm_unavailable', retriable: true });
    expect(error.message).toMatch(/^1 of 2 push token\(s\) failed/);
    // firebase-admin retries a 503 itself: 4 more tries with 0, 1, 2 and 4 s backoff.
    expect(endpoint.sendsTo(BAD)).toHaveLength(5);
    expect(await infra.redis.smembers(keys.pushAccepted(message.deliveryId))).toEqual([GOOD]);

    const result = await fcm.send(message);
    expect(endpoint.sendsTo(GOOD)).toHaveLength(1);
    expect(endpoint.sendsTo(BAD)).toHaveLength(6);
    expect(result.recipients?.accepted.sort()).toEqual([BAD, GOOD].sort());
    expect(log.lines()).toContainEqual(expect.objectContaining({ message: 'push tokens already accepted skipped', count: 1 }));
    expect(await storedTokens(message)).toEqual([GOOD, BAD]);
  }, 30_000);

  it('sends nothing when every token already accepted the delivery', async () => {
    const message = await toUser([GOOD]);
    const fcm = provider();
    await fcm.send(message);
    const again = await fcm.send(message);
    expect(endpoint.sendsTo(GOOD)).toHaveLength(1);
    expect(again.recipients).toEqual({ accepted: [GOOD], rejected: [] });
  });

  it('throws RetriableError rate_limited on 429 (the SDK does not pass Retry-After on)', async () => {
    endpoint.replyTo(GOOD, fcmReplies.quotaExceeded(30));
    const error = await sendError(provider(), await toUser([GOOD]));
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: undefined });
    expect(endpoint.sendsTo(GOOD)).toHaveLength(1);
  });

  it('throws PermanentError for a payload FCM refuses, naming what to fix and keeping the token', async () => {
    endpoint.replyTo(GOOD, fcmReplies.invalidArgument(`Invalid value at 'message.data[0].value' (TYPE_STRING), "Free some space & retry"`));
    const message = await toUser([GOOD]);
    const error = await sendError(provider(), message);

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).not.toBeInstanceOf(AddressRejectedError);
    expect(error).toMatchObject({ code: 'fcm_invalid_message', retriable: false });
    expect(error.message).toMatch(/fix the push template/);
    expect(error.message).not.toContain('Free some space');
    expect(await storedTokens(message)).toEqual([GOOD]);
  });

  it('keeps tokens FCM calls SenderId mismatch unless another token proves the project is right', async () => {
    endpoint.alwaysReplyTo(BAD, fcmReplies.senderIdMismatch());
    const alone = await toUser([BAD]);
    const error = await sendError(provider(), alone);
    expect(error).toMatchObject({ code: 'push_sender_mismatch', retriable: false });
    expect(error.message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
    expect(await storedTokens(alone)).toEqual([BAD]);

    const withLiveToken = await toUser([GOOD, BAD]);
    const result = await provider().send(withLiveToken);
    expect(result.recipients).toEqual({ accepted: [GOOD], rejected: [BAD] });
    expect(await storedTokens(withLiveToken)).toEqual([GOOD]);
  });

  it('treats a missing FCM permission as herald’s credentials problem, not the token’s', async () => {
    endpoint.replyTo(GOOD, fcmReplies.permissionDenied(endpoint.projectId));
    const message = await toUser([GOOD]);
    const error = await sendError(provider(), message);
    expect(error).toMatchObject({ code: 'fcm_permission_denied', retriable: false });
    expect(error.message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
    expect(await storedTokens(message)).toEqual([GOOD]);
  });

  it('throws PermanentError when Google refuses the service-account key', async () => {
    endpoint.replyToTokenRequest(fcmReplies.invalidGrant());
    const error = await sendError(provider(), await toUser([GOOD]));
    expect(error).toMatchObject({ code: 'fcm_invalid_credential', retriable: false });
    expect(error.message).toMatch(/invalid_grant/);
    expect(error.message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
    expect(endpoint.sends).toHaveLength(0);
  });

  it('throws RetriableError when FCM cannot be reached', async () => {
    const fcm = provider();
    await fcm.send(await toUser([GOOD])); // fetches and caches the access token
    await endpoint.close();
    const error = await sendError(fcm, await toUser([OTHER]));
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ code: 'provider_unreachable' });
  });

  it('refuses at construction a credentials file that is not a usable key, naming the variable', () => {
    const build = (credentialsFile: string) => () =>
      createFcmPushProvider({ credentialsFile, redis: infra.redis, keys, removeTokens: async () => {}, logger: log.logger, acceptedRetentionSeconds: 60 });
    expect(build('/nonexistent/key.json')).toThrow(ConfigError);
    expect(build('/nonexistent/key.json')).toThrow(/GOOGLE_APPLICATION_CREDENTIALS/);
    expect(build(__filename)).toThrow(/not a readable JSON key file/);
  });

  it('deletes its firebase app on close', async () => {
    const before = getApps().length;
    const fcm = createFcmPushProvider({
      credentialsFile: endpoint.credentialsFile,
      redis: infra.redis,
      keys,
      removeTokens: async () => {},
      logger: log.logger,
      acceptedRetentionSeconds: 60,
    });
    expect(getApps()).toHaveLength(before + 1);
    await fcm.close?.();
    expect(getApps()).toHaveLength(before);
  });
});
