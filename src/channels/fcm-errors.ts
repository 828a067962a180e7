import { type HeraldError, PermanentError, RetriableError, networkError } from '../shared/errors';

/**
 * What one token's failure means for herald: the token is dead (prune it), it belongs to
 * another Firebase sender, or the send failed for a reason that is not the token's.
 */
export type FcmTokenFailure = { kind: 'unregistered' } | { kind: 'sender_mismatch' } | { kind: 'error'; error: HeraldError };

/** The SDK's codes for a token FCM no longer knows, or that is not a token at all. */
const DEAD_TOKEN_CODES = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token']);
/** QUOTA_EXCEEDED and its legacy forms (HTTP 429). */
const RATE_CODES = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
  'messaging/quota-exceeded',
]);
/** FCM unavailable or failing on its side; `unknown-error` is a non-JSON answer such as a proxy's 502 page. */
const UNAVAILABLE_CODES = new Set(['messaging/server-unavailable', 'messaging/unavailable', 'messaging/internal-error', 'messaging/unknown-error']);
const NETWORK_CODES = new Set(['app/network-error', 'app/network-timeout']);
/** The message itself is wrong: the same payload fails the same way on every try. */
const INVALID_MESSAGE_CODES = new Set([
  'messaging/invalid-argument',
  'messaging/invalid-payload',
  'messaging/payload-size-limit-exceeded',
  'messaging/invalid-data-payload-key',
  'messaging/invalid-options',
  'messaging/invalid-package-name',
  'messaging/invalid-recipient',
]);
/** Failures to get an OAuth2 token that are the network's, not the key's. */
const TRANSIENT_AUTH = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up|fetch failed|status code 5\d\d/i;
const CREDENTIALS_FIX =
  'check that GOOGLE_APPLICATION_CREDENTIALS names a valid, unrevoked service-account key of the Firebase project (and that the server clock is right)';

/**
 * Error messages reach logs, delivery records and the DLQ: blank out the message's own tokens,
 * title and text if FCM quoted them, then anything token-shaped, and keep it short.
 */
export function scrubFcmText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  out = out.replace(/[A-Za-z0-9_:-]{40,}/g, '[token]');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

/** `code: message` of a firebase-admin error (FirebaseMessagingError, FirebaseAppError) or anything thrown. */
function describeFcmError(error: unknown, secrets: readonly string[]): { code: string; detail: string } {
  const err = (error ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : String(error);
  return { code, detail: scrubFcmText(code ? `${code}: ${message}` : message, secrets) };
}

/**
 * Maps a firebase-admin error onto herald's errors, for a failure that is not the token's
 * (see {@link classifyFcmFailure} for per-token outcomes). 429 → `rate_limited`, 5xx and
 * network → retriable; credentials, project and payload problems → permanent, saying what to fix.
 */
export function mapFcmError(error: unknown, secrets: readonly string[] = []): HeraldError {
  const { code, detail } = describeFcmError(error, secrets);
  if (RATE_CODES.has(code)) {
    // The SDK drops the response headers, so FCM's Retry-After never reaches us: plain backoff.
    return new RetriableError(`FCM is rate limiting herald (${detail}); backing off, it will be retried`, 'rate_limited', error);
  }
  if (UNAVAILABLE_CODES.has(code)) return new RetriableError(`FCM failed on its side (${detail}); it will be retried`, 'fcm_unavailable', error);
  if (NETWORK_CODES.has(code)) return networkError('FCM (fcm.googleapis.com)', error);
  if (code === 'app/invalid-credential') {
    if (TRANSIENT_AUTH.test(detail)) {
      return new RetriableError(
        `Cannot get an access token from Google OAuth2 (${detail}); check the network to oauth2.googleapis.com, it will be retried`,
        'fcm_auth_unavailable',
        error,
      );
    }
    return new PermanentError(`FCM credentials were refused (${detail}); ${CREDENTIALS_FIX}`, 'fcm_invalid_credential', error);
  }
  if (code === 'messaging/mismatched-credential' || code === 'messaging/authentication-error') {
    return new PermanentError(
      `FCM refused herald's credentials (${detail}); ${CREDENTIALS_FIX}, that its service account may send messages (Firebase Cloud Messaging API Admin ` +
        `role) and that the FCM API is enabled for GOOGLE_CLOUD_PROJECT`,
      'fcm_permission_denied',
      error,
    );
  }
  if (code === 'messaging/third-party-auth-error') {
    return new PermanentError(
      `FCM could not authenticate (${detail}); for iOS and web tokens upload a valid APNs key / web push certificate in the Firebase console (Project ` +
        `settings > Cloud Messaging), otherwise ${CREDENTIALS_FIX}`,
      'fcm_third_party_auth',
      error,
    );
  }
  if (code === 'messaging/invalid-argument' && /project id/i.test(detail)) {
    return new PermanentError(
      `FCM needs a project id (${detail}); set GOOGLE_CLOUD_PROJECT or use a service-account file with project_id`,
      'fcm_no_project',
      error,
    );
  }
  if (INVALID_MESSAGE_CODES.has(code)) {
    return new PermanentError(
      `FCM refused the message as invalid (${detail}); retrying will not help, fix the push template (title, text) or the data sent`,
      'fcm_invalid_message',
      error,
    );
  }
  return new PermanentError(`FCM send failed (${detail || 'no detail'}); retrying will not help, check the FCM setup and this error`, 'fcm_error', error);
}

/**
 * The outcome of one token's failed send. FCM v1 reports a malformed token as INVALID_ARGUMENT
 * ("The registration token is not a valid FCM registration token"), which the SDK maps to the
 * generic `invalid-argument`: only its message tells it from a bad payload. Likewise
 * `mismatched-credential` is both SENDER_ID_MISMATCH (the token's fault) and PERMISSION_DENIED
 * (ours): only "SenderId mismatch" blames the token.
 */
export function classifyFcmFailure(error: unknown, secrets: readonly string[] = []): FcmTokenFailure {
  const { code, detail } = describeFcmError(error, secrets);
  if (DEAD_TOKEN_CODES.has(code)) return { kind: 'unregistered' };
  if (code === 'messaging/invalid-argument' && /registration token/i.test(detail)) return { kind: 'unregistered' };
  if (code === 'messaging/mismatched-credential' && /sender ?id/i.test(detail)) return { kind: 'sender_mismatch' };
  return { kind: 'error', error: mapFcmError(error, secrets) };
}
