import { createHmac, timingSafeEqual } from 'node:crypto';

// Partners import this file on its own to check herald's webhooks: it must need nothing but node:crypto.

/** Why a webhook was refused by {@link verifyWebhook}. */
export type WebhookVerificationReason = 'missing_headers' | 'timestamp_too_old' | 'timestamp_in_future' | 'invalid_signature';

/** The request is not a genuine, fresh herald webhook: answer it with 4xx (401 or 400) and do not act on it. */
export class WebhookVerificationError extends Error {
  /** Machine-readable reason, stable across releases. */
  readonly reason: WebhookVerificationReason;

  constructor(message: string, reason: WebhookVerificationReason) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.reason = reason;
  }
}

/** Request headers as Node's `IncomingHttpHeaders`, a plain object, or a fetch `Headers`. Names are matched case-insensitively. */
export type WebhookHeaders = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/** Arguments of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  headers: WebhookHeaders;
  /** The raw request body exactly as received (string or bytes); a re-serialised object would not match the signature. */
  body: string | Uint8Array;
  /**
   * The endpoint's secret (`whsec_<base64>`), or the new and the old one while herald rotates them.
   * A secret without the `whsec_` prefix is used as-is (its UTF-8 bytes), not base64-decoded.
   */
  secrets: string | readonly string[];
  /** Largest accepted distance between `webhook-timestamp` and now, in seconds, either way. Default 300. */
  toleranceSeconds?: number;
  /** The current time. Default: the wall clock. */
  now?: Date;
}

const PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key of a Standard Webhooks secret: the base64-decoded part of `whsec_<base64>`, or the
 * UTF-8 bytes of a secret without the prefix. Throws a TypeError naming the expected format.
 */
export function webhookSecretKey(secret: string): Buffer {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('A webhook secret must be a non-empty string: `whsec_<base64>` or a raw string');
  if (!secret.startsWith(PREFIX)) return Buffer.from(secret, 'utf8');
  const encoded = secret.slice(PREFIX.length);
  // Buffer.from(…, 'base64') silently skips bad characters; a typo must fail rather than yield another key.
  if (encoded.length === 0 || !BASE64.test(encoded))
    throw new TypeError('A `whsec_` webhook secret must be followed by standard base64 (A-Z a-z 0-9 + /, = padding)');
  return Buffer.from(encoded, 'base64');
}

/** The `v1,<base64 HMAC-SHA256>` signature of one message under one key (Standard Webhooks, symmetric). */
export function webhookSignature(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): string {
  // Hashing the body's bytes as they are keeps a non-UTF-8 or oddly-normalised body intact.
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function equalInConstantTime(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Signature length is public (always 44 base64 characters); only the content must not leak through timing.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Checks that a request is a webhook herald signed (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) and recent, then returns its parsed JSON body. Accepts when any `v1` signature
 * in the header matches any of the given secrets, so a rotation needs no coordinated switch.
 * Deduplicate on `webhook-id`: it is the same on every retry of one notification.
 * @throws WebhookVerificationError when the request must be refused (see its `reason`).
 * @throws TypeError when a secret or the body is unusable (a mistake in the receiver's setup).
 */
export function verifyWebhook<T = unknown>(options: VerifyWebhookOptions): T {
  const { headers, body, toleranceSeconds = 300 } = options;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('verifyWebhook needs the raw request body (string or Buffer) as received, not a parsed object');
  }
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : options.secrets;
  if (secrets.length === 0) throw new TypeError('verifyWebhook needs at least one secret');
  const keys = secrets.map(webhookSecretKey);

  const id = header(headers, 'webhook-id');
  const stamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !stamp || !signatures) {
    throw new WebhookVerificationError('webhook-id, webhook-timestamp and webhook-signature headers are required', 'missing_headers');
  }
  if (!/^\d+$/.test(stamp.trim())) throw new WebhookVerificationError('webhook-timestamp must be Unix time in seconds', 'missing_headers');

  const timestamp = Number(stamp.trim());
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (now - timestamp > toleranceSeconds) {
    throw new WebhookVerificationError(
      `webhook-timestamp is ${now - timestamp} s old, beyond the ${toleranceSeconds} s tolerance (replayed, or the clock is off)`,
      'timestamp_too_old',
    );
  }
  if (timestamp - now > toleranceSeconds) {
    throw new WebhookVerificationError(
      `webhook-timestamp is ${timestamp - now} s in the future, beyond the ${toleranceSeconds} s tolerance (check this server's clock)`,
      'timestamp_in_future',
    );
  }

  const expected = keys.map((key) => webhookSignature(key, id, timestamp, body));
  const offered = signatures.split(' ').filter((s) => s.startsWith('v1,'));
  if (!offered.some((sig) => expected.some((want) => equalInConstantTime(sig, want)))) {
    throw new WebhookVerificationError(
      'No webhook-signature matches the configured secret(s); check the secret and that the body is the raw one',
      'invalid_signature',
    );
  }
  return JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8')) as T;
}
