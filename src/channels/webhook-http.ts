import { systemClock, type Clock } from '../shared/clock';
import { type HeraldError, PermanentError, describeError, httpStatusError, networkError, parseRetryAfter } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { ALLOW_PRIVATE_SWITCH } from '../shared/private-address';
import { createWebhookTransport, PrivateAddressError, type PostAnswer } from './webhook-post';
import { parseWebhookSecrets, signWebhook } from './webhook-signature';
import type { ChannelProvider, OutboundMessage } from './types';

/** Settings of the webhook provider. */
export interface WebhookProviderOptions {
  /** Signing secrets from HERALD_WEBHOOK_SECRETS: one, or new then old while rotating. Checked at construction. */
  secrets: string[];
  /** Wait for the receiver's answer, in ms. Default 10000. */
  timeoutMs?: number;
  /** Default: the wall clock. */
  clock?: Clock;
  logger: Logger;
  /** User-Agent header. Default `herald-webhooks/1`. */
  userAgent?: string;
  /**
   * Send to loopback, private and link-local addresses too (`channels.webhook.allowPrivateAddresses`).
   * Default false: such an endpoint fails permanently with `webhook_private_address`.
   */
  allowPrivateAddresses?: boolean;
}

/**
 * The JSON body of every webhook (`type` is always `notification`). Receivers deduplicate on `id`
 * (equal to the `webhook-id` header, stable across retries).
 */
export interface WebhookBody {
  type: 'notification';
  /** The delivery id: one per event, recipient and channel (or per digest). */
  id: string;
  eventId: string;
  recipientId: string;
  eventType: string;
  priority: string;
  /** The event's `createdAt` (ISO, UTC). */
  createdAt: string;
  /** Present when the recipient has a locale. */
  locale?: string;
  /** The rendered template. */
  title: string;
  subject: string;
  text: string;
  /** The event's payload as published. */
  payload: Record<string, unknown>;
}

/** Builds the body of one webhook from the message the dispatcher hands over. */
export function webhookBody(message: OutboundMessage): WebhookBody {
  return {
    type: 'notification',
    id: message.deliveryId,
    eventId: message.eventId,
    recipientId: message.recipientId,
    eventType: message.meta.type,
    priority: message.meta.priority,
    createdAt: message.meta.createdAt,
    locale: message.locale,
    title: message.content.title,
    subject: message.content.subject,
    text: message.content.text,
    payload: message.meta.payload,
  };
}

/**
 * The `webhook-id` of a message: its idempotency key, with any byte an HTTP header cannot carry
 * (outside printable ASCII, and `%` itself) percent-encoded, since event ids are free text.
 */
export function webhookIdFor(idempotencyKey: string): string {
  return idempotencyKey.replace(/[^\x21-\x24\x26-\x7e]/gu, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** Origin and path only: query strings and user info can hold tokens and never reach a log or an error. */
const safeUrl = (url: URL) => `${url.origin}${url.pathname}`;

function targetOf(message: OutboundMessage): URL {
  if (message.to.length !== 1) {
    throw new PermanentError(
      `A webhook message needs exactly one endpoint URL, got ${message.to.length}; this is a bug in endpoint resolution`,
      'webhook_invalid_target',
    );
  }
  let url: URL;
  try {
    url = new URL(message.to[0]!);
  } catch {
    throw new PermanentError('The webhook endpoint is not a valid URL; fix it in channels.webhook of the notification config', 'webhook_invalid_target');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PermanentError(
      `The webhook endpoint uses ${url.protocol}; only http and https are supported, fix it in the notification config`,
      'webhook_invalid_target',
    );
  }
  return url;
}

/** Maps a non-2xx answer onto herald's errors. */
function answerError(what: string, response: PostAnswer, url: URL, now: number): HeraldError {
  const { status } = response;
  const detail = response.statusText || 'no reason given';
  if (status >= 300 && status < 400) {
    const location = response.header('location');
    let to = '';
    try {
      if (location) to = ` to ${safeUrl(new URL(location, url))}`;
    } catch {
      // An unreadable Location changes nothing: the answer is still a redirect we will not follow.
    }
    return new PermanentError(`${what} redirected (${status})${to}; herald does not follow redirects, configure the final URL`, 'webhook_redirect');
  }
  if (status === 410) {
    return new PermanentError(
      `${what} answered 410 Gone: the receiver retired it; remove the endpoint from channels.webhook in the notification config`,
      'webhook_gone',
    );
  }
  // A 503 may carry Retry-After as well as a 429.
  return httpStatusError(what, status, detail, { retryAfterMs: parseRetryAfter(response.header('retry-after'), now) });
}

/** The error of an endpoint refused for its address: permanent, and it names the switch. */
function privateAddressError(what: string, url: URL, error: PrivateAddressError): PermanentError {
  const where = error.address === url.hostname ? `is ${error.address}` : `resolves to ${error.address}`;
  return new PermanentError(
    `${what} ${where}, a ${error.range} address: herald sends webhooks to public addresses only. If this receiver is yours, on your own network, set ` +
      `${ALLOW_PRIVATE_SWITCH} to true in the notification config`,
    'webhook_private_address',
    error,
  );
}

/**
 * Webhooks (id `webhook`): one signed JSON POST per message to the single URL in `to`
 * (Standard Webhooks headers, see ./webhook-signature.ts; body {@link WebhookBody}).
 * A 2xx means the receiver holds it (`delivered`). Redirects are not followed. Loopback, private and
 * link-local addresses are refused when connecting, after DNS (see ./webhook-post.ts), unless allowed.
 * @throws ConfigError at construction when a secret is malformed.
 */
export function createWebhookProvider(options: WebhookProviderOptions): ChannelProvider {
  parseWebhookSecrets(options.secrets);
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const userAgent = options.userAgent ?? 'herald-webhooks/1';
  const transport = createWebhookTransport({ allowPrivateAddresses: options.allowPrivateAddresses });

  return {
    id: 'webhook',
    channel: 'webhook',
    async send(message) {
      const url = targetOf(message);
      const what = `webhook endpoint ${safeUrl(url)}`;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent };
      // User info in the URL is sent the way a browser would, as Basic auth, and kept out of logs.
      if (url.username || url.password) {
        headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
        url.username = url.password = '';
      }
      const body = JSON.stringify(webhookBody(message));
      const id = webhookIdFor(message.idempotencyKey);
      Object.assign(headers, signWebhook({ id, timestamp: clock.now() / 1000, body, secrets: options.secrets }));

      const started = clock.now();
      let response: PostAnswer;
      try {
        response = await transport.post(url, headers, body, AbortSignal.timeout(timeoutMs));
      } catch (error) {
        if (error instanceof PrivateAddressError) throw privateAddressError(what, url, error);
        const timedOut = (error as Error)?.name === 'TimeoutError';
        const cause = timedOut ? Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT', cause: error }) : error;
        options.logger.debug('webhook unreachable', { ...logFields(message, url), error: timedOut ? 'timeout' : describeError(error) });
        throw networkError(what, cause);
      }
      options.logger.debug('webhook answered', { ...logFields(message, url), status: response.status, ms: clock.now() - started });
      if (response.status >= 200 && response.status < 300) return { providerMessageId: id, delivered: true };
      throw answerError(what, response, url, clock.now());
    },
    async close() {
      transport.close();
    },
  };
}

const logFields = (message: OutboundMessage, url: URL) => ({
  eventId: message.eventId,
  recipientId: message.recipientId,
  channel: 'webhook',
  provider: 'webhook',
  endpoint: safeUrl(url),
});
