import http from 'node:http';
import type https from 'node:https';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { systemClock, type Clock } from '../shared/clock';
import { AddressRejectedError, type HeraldError, PermanentError, httpStatusError, networkError, parseRetryAfter } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { e164 } from '../recipients/user-profile';
import { countSmsSegments } from './sms-segments';
import type { ChannelProvider, OutboundMessage } from './types';

/** Settings of the Twilio SMS provider. */
export interface TwilioSmsProviderOptions {
  /** From TWILIO_ACCOUNT_SID (`AC…`). */
  accountSid: string;
  /** From TWILIO_AUTH_TOKEN. */
  authToken: string;
  /** Sender: an E.164 number or alphanumeric sender id on the account, from TWILIO_FROM. */
  from: string;
  /** A Twilio-compatible API to call instead of https://api.twilio.com (TWILIO_API_BASE_URL). Default: Twilio. */
  apiBaseUrl?: string;
  /** Where Twilio posts delivery reports (`…/webhooks/twilio/status`). Default: none, messages stay `sent`. */
  statusCallbackUrl?: string;
  /** Longest body accepted, in segments (`channels.sms.maxSegments`); longer ones fail before any call. */
  maxSegments: number;
  /** Wait for Twilio's answer, in ms. Default 10000 (the SDK's is 30000). */
  timeoutMs?: number;
  /** Default: the wall clock (reads Retry-After dates). */
  clock?: Clock;
  logger: Logger;
}

const WHAT = 'Twilio Messages API';
/** api.twilio.com, and its regional forms. */
const TWILIO_API_HOST = /^api(\.[a-z0-9-]+)*\.twilio\.com$/;

/** Twilio codes that only a different number fixes: refused as the address (`bounced`), never retried. */
const ADDRESS_CODES: Record<number, { code: string; fix: string }> = {
  21211: { code: 'invalid_phone_number', fix: "Twilio says the 'To' number is not a valid phone number; fix the user's phone in the directory" },
  21614: { code: 'not_mobile', fix: "the 'To' number is not a mobile number and cannot receive SMS; ask the user for a mobile number" },
  21610: { code: 'recipient_unsubscribed', fix: 'the recipient replied STOP to this sender; only their START reply lets herald text them again' },
};

/** Twilio quotes the number in some messages ("The 'To' number +1… is not valid"); errors reach logs and the DLQ. */
export function withoutPhoneNumbers(text: string): string {
  return text.replace(/\+?\d(?:[\s().-]?\d){6,}/g, '[phone]');
}

/** The SDK's own exception for a refused call, plus the wait Twilio asked for: the SDK drops response headers. */
class TwilioRefusal extends twilio.RestException {
  retryAfterMs?: number;
}

/**
 * The SDK's RequestClient with two changes: calls for https://api.twilio.com (or a regional host) go to `baseUrl`
 * when set, and an error answer carrying Retry-After (or a rate-limit reset) is thrown as a
 * {@link TwilioRefusal} holding that wait, since the SDK builds its exception from status and body only.
 */
class HeraldRequestClient extends twilio.RequestClient {
  // The SDK builds only an https agent; a plain-http base URL (local API) gets its own, closed with ours.
  private readonly httpAgent = new http.Agent({ keepAlive: true });

  constructor(
    private readonly baseUrl: string | undefined,
    timeoutMs: number,
    private readonly clock: Clock,
  ) {
    // autoRetry stays off: the dispatcher's retrier owns retries and backoff.
    super({ timeout: timeoutMs, autoRetry: false });
    this.axios.defaults.httpAgent = this.httpAgent;
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const response = await super.request({ ...opts, uri: this.rebase(opts.uri) });
    if (response.statusCode >= 400) {
      const headers = (response.headers ?? {}) as Record<string, unknown>;
      const wait = headers['retry-after'] ?? headers['x-rate-limit-reset'] ?? headers['x-ratelimit-reset'];
      const retryAfterMs = parseRetryAfter(typeof wait === 'string' ? wait : undefined, this.clock.now());
      if (retryAfterMs !== undefined) throw Object.assign(new TwilioRefusal(response), { retryAfterMs });
    }
    return response;
  }

  close(): void {
    this.httpAgent.destroy();
    (this.axios.defaults.httpsAgent as https.Agent | undefined)?.destroy?.();
  }

  private rebase(uri: string): string {
    if (!this.baseUrl) return uri;
    const url = new URL(uri);
    // The SDK turns api.twilio.com into api.<edge>.<region>.twilio.com when TWILIO_REGION/TWILIO_EDGE are set.
    if (url.protocol !== 'https:' || !TWILIO_API_HOST.test(url.hostname)) return uri;
    return this.baseUrl.replace(/\/+$/, '') + url.pathname + url.search;
  }
}

/**
 * Maps whatever the SDK threw onto herald's errors. The cause kept is a slim copy: the axios error
 * behind a network failure holds the request form (number and body), and Twilio's message may quote the number.
 */
export function mapTwilioError(error: unknown, timeoutMs: number): HeraldError {
  const err = (error ?? {}) as { name?: string; message?: string; status?: unknown; code?: unknown; isAxiosError?: boolean; retryAfterMs?: number };
  const message = withoutPhoneNumbers(String(err.message ?? error));
  const cause = Object.assign(new Error(message), { name: err.name ?? 'Error', code: err.code, status: err.status });
  if (typeof err.status === 'number') {
    const detail = `${err.code ?? 'no code'} ${message}`;
    const known = typeof err.code === 'number' ? ADDRESS_CODES[err.code] : undefined;
    // A malformed number is a bad request (dead-lettered for on-call to fix the data); a valid number
    // that cannot take SMS (landline, unsubscribed) is a bounce: only a new number helps.
    if (known) {
      const Refusal = known.code === 'invalid_phone_number' ? PermanentError : AddressRejectedError;
      return new Refusal(`${WHAT} refused the number (${detail}); ${known.fix}`, known.code, cause);
    }
    if (err.status === 401 || err.status === 403) {
      return new PermanentError(
        `${WHAT} refused herald's credentials (${err.status}: ${detail}); check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN`,
        'twilio_auth',
        cause,
      );
    }
    return httpStatusError(WHAT, err.status, detail, { retryAfterMs: err.retryAfterMs, cause });
  }
  // Every HTTP status resolves (the SDK accepts 100-599), so an axios error means no answer at all.
  if (err.isAxiosError) {
    const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
    return networkError(WHAT, timedOut ? Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }) : cause);
  }
  return new PermanentError(
    `Twilio SDK failed before calling the API (${cause.name}: ${message}); check the Twilio settings, this will not be retried`,
    'twilio_error',
    cause,
  );
}

/** Refuses, before any call, a number that is not E.164 or a body longer than `maxSegments`. */
function checkMessage(message: OutboundMessage, maxSegments: number): number {
  if (message.to.length === 0 || message.to.some((to) => !e164.safeParse(to).success)) {
    throw new PermanentError(
      `The recipient's phone number is not in E.164 form (such as +14155550100); fix the user's phone in the directory, or the number in the ` +
        `event for a direct recipient`,
      'invalid_phone_number',
    );
  }
  const { segments, encoding } = countSmsSegments(message.content.text);
  if (segments > maxSegments) {
    throw new PermanentError(
      `The SMS text needs ${segments} ${encoding} segments, more than the limit of ${maxSegments}; shorten the template for event type ${message.meta.type} ` +
        `or raise channels.sms.maxSegments`,
      'sms_too_long',
    );
  }
  return segments;
}

/**
 * SMS through Twilio's Messages API with the official SDK (id `twilio`): one message per number
 * in `to` (normally exactly one; with several, the result carries the first SID). Numbers must be
 * E.164 and the body at most `maxSegments` long, checked before any call. With `statusCallbackUrl`,
 * Twilio reports delivery to the `/webhooks/twilio/status` route.
 */
export function createTwilioSmsProvider(options: TwilioSmsProviderOptions): ChannelProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const httpClient = new HeraldRequestClient(options.apiBaseUrl, timeoutMs, options.clock ?? systemClock);
  // With an httpClient the SDK's own timeout and autoRetry options are unused: ours carries both.
  const client = twilio(options.accountSid, options.authToken, { httpClient });

  return {
    id: 'twilio',
    channel: 'sms',
    // Only when Twilio will call back: herald then remembers each SID to find its delivery.
    callbacks: options.statusCallbackUrl !== undefined,
    async send(message) {
      const segments = checkMessage(message, options.maxSegments);
      const sids: string[] = [];
      for (const to of message.to) {
        try {
          const sent = await client.messages.create({ to, from: options.from, body: message.content.text, statusCallback: options.statusCallbackUrl });
          sids.push(sent.sid);
        } catch (error) {
          throw mapTwilioError(error, timeoutMs);
        }
      }
      options.logger.debug('sms accepted by twilio', {
        eventId: message.eventId,
        recipientId: message.recipientId,
        channel: 'sms',
        provider: 'twilio',
        segments,
        providerMessageId: sids[0],
      });
      return { providerMessageId: sids[0] };
    },
    async close() {
      httpClient.close();
    },
  };
}
