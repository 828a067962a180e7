import { systemClock, type Clock } from '../clock';
import { type HeraldError, PermanentError, describeError, httpStatusError, networkError, parseRetryAfter } from '../errors';
import type { Logger } from '../logger';
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
  return idempotencyKey.replace(/[^\x21-\x24\x26-\x7e]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** Origin and path only: query strings and user info can hold tokens and never reach a log or an error. */
const safeUrl = (url: URL) => `${url.origin}${url.pathname}`;

function targetOf(message: OutboundMessage): URL {
  if (message.to.length !== 1) {
    throw new PermanentError(`A webhook message needs exactly one endpoint URL, got ${message.to.length}; this is a bug in endpoint resolution`, 'webhook_invalid_target');
  }
  let url: URL;
  try {
    url = new URL(message.to[0]!);
  } catch {
    throw new PermanentError('The webhook endpoint is not a valid URL; fix it in channels.webhook of the notification config', 'webhook_invalid_target');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PermanentError(`The webhook endpoint uses ${url.protocol}; only http and https are supported, fix it in the notification config`, 'webhook_invalid_target');
  }
  return url;
}

/** Maps a non-2xx answer onto herald's errors. */
function answerError(what: string, response: Response, url: URL, now: number): HeraldError {
  const { status } = response;
  const detail = response.statusText || 'no reason given';
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    let to = '';
    try {
      if (location) to = ` to ${safeUrl(new URL(location, url))}`;
    } catch {
      // An unreadable Location changes nothing: the answer is still a redirect we will not follow.
    }
    return new PermanentError(`${what} redirected (${status})${to}; herald does not follow redirects, configure the final URL`, 'webhook_redirect');
  }
  if (status === 410) {
    return new PermanentError(`${what} answered 410 Gone: the receiver retired it; remove the endpoint from channels.webhook in the notification config`, 'webhook_gone');
  }
  // A 503 may carry Retry-After as well as a 429.
  return httpStatusError(what, status, detail, { retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now) });
}

/**
 * Webhooks (id `webhook`): one signed JSON POST per message to the single URL in `to`
 * (Standard Webhooks headers, see ./webhook-signature.ts; body {@link WebhookBody}).
 * A 2xx means the receiver holds it (`delivered`). Redirects are not followed.
 * @throws ConfigError at construction when a secret is malformed.
 */
export function createWebhookProvider(options: WebhookProviderOptions): ChannelProvider {
  parseWebhookSecrets(options.secrets);
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const userAgent = options.userAgent ?? 'herald-webhooks/1';

  return {
    id: 'webhook',
    channel: 'webhook',
    async send(message) {
      const url = targetOf(message);
      const what = `webhook endpoint ${safeUrl(url)}`;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent };
      // fetch refuses URLs with user info; send them the way a browser would, as Basic auth.
      if (url.username || url.password) {
        headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
        url.username = url.password = '';
      }
      const body = JSON.stringify(webhookBody(message));
      const id = webhookIdFor(message.idempotencyKey);
      Object.assign(headers, signWebhook({ id, timestamp: clock.now() / 1000, body, secrets: options.secrets }));

      const started = clock.now();
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        const timedOut = (error as Error)?.name === 'TimeoutError';
        const cause = timedOut ? Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT', cause: error }) : error;
        options.logger.debug('webhook unreachable', { ...logFields(message, url), error: timedOut ? 'timeout' : describeError(error) });
        throw networkError(what, cause);
      }
      // Free the connection; herald does not read what the receiver says beyond its status.
      await response.body?.cancel().catch(() => undefined);
      options.logger.debug('webhook answered', { ...logFields(message, url), status: response.status, ms: clock.now() - started });
      if (response.ok) return { providerMessageId: id, delivered: true };
      throw answerError(what, response, url, clock.now());
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
