import { webhookSecretKey, webhookSignature } from '../client/verify-webhook';
import { ConfigError } from '../shared/errors';

// The HMAC itself lives in the partners' verifier (src/client/verify-webhook.ts), so herald signs
// exactly what receivers check.

/**
 * The three Standard Webhooks headers herald sends with every webhook. A type alias, not an
 * interface, so it passes wherever a plain header record (fetch, verifyWebhook) is expected.
 */
export type WebhookSignatureHeaders = {
  /** The message id: the same on every retry, so the receiver can deduplicate. */
  'webhook-id': string;
  /** Unix time of this attempt, in seconds. */
  'webhook-timestamp': string;
  /** `v1,<base64>` once per secret, space-separated. */
  'webhook-signature': string;
};

/** What {@link signWebhook} signs. */
export interface SignWebhookInput {
  /** The message id (`webhook-id`). */
  id: string;
  /** Unix time of the attempt, in whole seconds. */
  timestamp: number;
  /** The exact body sent. */
  body: string;
  /** From HERALD_WEBHOOK_SECRETS; see {@link parseWebhookSecrets}. */
  secrets: readonly string[];
}

/** Secrets shorter than this are refused: a short HMAC key can be guessed (Standard Webhooks recommends 24 to 64 bytes). */
export const MIN_SECRET_BYTES = 16;

const FORMAT =
  'expected one secret, or two (new, then old) while rotating, each `whsec_<base64 of 16 to 64 random bytes>` (or a raw string of at least 16 bytes), e.g. ' +
  'whsec_$(openssl rand -base64 32)';

/**
 * Checks the signing secrets at start-up and returns their HMAC keys. One secret normally; two while
 * rotating (new first, old second), so receivers holding either accept every webhook.
 * A `whsec_` secret's key is its base64-decoded part; a secret without the prefix is used as-is
 * (its UTF-8 bytes), which the official Standard Webhooks libraries would read differently, so
 * give partners the `whsec_` form.
 * @throws ConfigError naming HERALD_WEBHOOK_SECRETS and the expected format.
 */
export function parseWebhookSecrets(secrets: readonly string[]): Buffer[] {
  if (secrets.length === 0 || secrets.length > 2) {
    throw new ConfigError(`HERALD_WEBHOOK_SECRETS has ${secrets.length} secrets; ${FORMAT}`);
  }
  return secrets.map((secret, index) => {
    let key: Buffer;
    try {
      key = webhookSecretKey(secret.trim());
    } catch (error) {
      // The secret itself never reaches the message, only its position.
      throw new ConfigError(`HERALD_WEBHOOK_SECRETS secret #${index + 1} is malformed; ${FORMAT}`, error);
    }
    if (key.length < MIN_SECRET_BYTES || key.length > 64) {
      throw new ConfigError(`HERALD_WEBHOOK_SECRETS secret #${index + 1} is ${key.length} bytes; ${FORMAT}`);
    }
    return key;
  });
}

/**
 * Signs one webhook attempt (Standard Webhooks, https://www.standardwebhooks.com/): HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` under each secret, as `v1,<base64>` joined by spaces.
 * @throws ConfigError when a secret is malformed.
 */
export function signWebhook(input: SignWebhookInput): WebhookSignatureHeaders {
  const keys = parseWebhookSecrets(input.secrets);
  const timestamp = Math.floor(input.timestamp);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': keys.map((key) => webhookSignature(key, input.id, timestamp, input.body)).join(' '),
  };
}
