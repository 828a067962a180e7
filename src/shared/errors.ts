/**
 * One error hierarchy for herald (after kafkajs `src/errors.js`): every error says whether
 * trying again can help (`retriable`) and keeps its `cause`. Providers map vendor codes
 * onto these; the dispatcher decides retry vs dead-letter from `retriable` alone.
 */
export class HeraldError extends Error {
  /** True when the same operation may succeed later (timeouts, 5xx, 429, connection loss). */
  readonly retriable: boolean;
  /** Machine-readable reason, stable across releases (used in DLQ records and metrics). */
  readonly code: string;

  constructor(message: string, options: { retriable: boolean; code: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable;
    this.code = options.code;
  }
}

/** Worth another try later: the provider or a dependency is unavailable for now. */
export class RetriableError extends HeraldError {
  /** Milliseconds the provider asked us to wait, when it said so (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(message: string, code = 'retriable', cause?: unknown, retryAfterMs?: number) {
    super(message, { retriable: true, code, cause });
    this.retryAfterMs = retryAfterMs;
  }
}

/** Will fail the same way every time: bad address, rejected content, invalid token. */
export class PermanentError extends HeraldError {
  constructor(message: string, code = 'permanent', cause?: unknown) {
    super(message, { retriable: false, code, cause });
  }
}

/**
 * The provider refused the recipient's address itself (mailbox unknown, push token unregistered):
 * permanent, and recorded as `bounced` rather than a plain failure, because only a new address helps.
 */
export class AddressRejectedError extends PermanentError {
  constructor(message: string, code = 'address_rejected', cause?: unknown) {
    super(message, code, cause);
  }
}

/** An event that does not match the contract. `issues` lists every problem with its path. */
export class ValidationError extends PermanentError {
  readonly issues: { path: string; message: string }[];

  constructor(message: string, issues: { path: string; message: string }[], code = 'invalid_event') {
    super(message, code);
    this.issues = issues;
  }
}

/** The service's configuration or environment is wrong; the message names the field and the fix. */
export class ConfigError extends HeraldError {
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: false, code: 'invalid_config', cause });
  }
}

/**
 * Parses an HTTP `Retry-After` (seconds or an HTTP date) or a rate-limit reset header (epoch seconds
 * when larger than a year of seconds) into milliseconds from `now`; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    // x-ratelimit-reset style headers carry an epoch instant, not a delay.
    if (seconds > 365 * 24 * 3600) return Math.max(0, Math.ceil(seconds * 1000 - now));
    return Math.ceil(seconds * 1000);
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The one classification of an HTTP provider's answer (Twilio, FCM, webhooks): 429 and 5xx are
 * retriable (429 as `rate_limited`, with its Retry-After), 408 too; any other 4xx is permanent.
 * `what` names the provider and call for the message, e.g. "Twilio Messages API".
 */
export function httpStatusError(
  what: string,
  status: number,
  detail: string,
  options: { retryAfterMs?: number; code?: string; cause?: unknown } = {},
): HeraldError {
  if (status === 429) {
    const wait = options.retryAfterMs === undefined ? 'backing off' : `waiting ${options.retryAfterMs} ms as it asked`;
    return new RetriableError(`${what} is rate limiting herald (429: ${detail}); ${wait}`, options.code ?? 'rate_limited', options.cause, options.retryAfterMs);
  }
  if (status >= 500 || status === 408) {
    return new RetriableError(
      `${what} failed with ${status} (${detail}); it will be retried`,
      options.code ?? `http_${status}`,
      options.cause,
      options.retryAfterMs,
    );
  }
  return new PermanentError(
    `${what} refused the request with ${status} (${detail}); retrying will not help, fix the request or the account`,
    options.code ?? `http_${status}`,
    options.cause,
  );
}

/** Network-level failure (refused, reset, DNS, timeout) calling a provider: retriable. */
export function networkError(what: string, cause: unknown): RetriableError {
  const code = (cause as { code?: string } | null)?.code ?? (cause as { cause?: { code?: string } } | null)?.cause?.code;
  return new RetriableError(
    `Cannot reach ${what} (${code ?? describeError(cause)}); check its URL and that it is up, it will be retried`,
    'provider_unreachable',
    cause,
  );
}

/** True when the error (or anything unknown, which we treat as a programming error) must not be retried. */
export function isRetriable(error: unknown): boolean {
  return error instanceof HeraldError && error.retriable;
}

/** The message of any thrown value, without the error's name: for text that already says what failed. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A short, log-safe description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Node socket codes of a connection that failed or broke: a dependency unreachable, not a bad message. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ENETDOWN',
]);

/** Redis replies that mean the server (or its cluster) cannot serve now, whatever the command. */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|OOM|MISCONF|UNBLOCKED)\b/;

/** ioredis and cluster-client messages of a connection that is gone, or a request it gave up on. */
const CLIENT_GONE = new RegExp(
  [
    'Connection is closed',
    "Stream isn't writeable",
    'max retries per request',
    'None of startup nodes is available',
    'Failed to refresh slots cache',
    "Cluster isn't ready",
    'Too many Cluster redirections',
    'timed out',
  ].join('|'),
  'i',
);

/**
 * True when `error` (or any of its causes) says herald's own storage or broker is unreachable or
 * cannot serve for now: Kafka (every kafkajs error), Redis connections and the replies of a server
 * that is loading, full, failing over or read-only. Such a failure is waited out in place: the
 * next message would fail the same way. Anything else (a RangeError on an event's data, a JSON
 * parse of a corrupt record, a Lua error, a WRONGTYPE key) fails the same way on every try, and a
 * message that keeps failing so is dead-lettered rather than allowed to hold its partition.
 */
export function isOwnOutage(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e.name.startsWith('KafkaJS')) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    if (e.name === 'MaxRetriesPerRequestError' || e.name === 'ClusterAllFailedError') return true;
    if (UNAVAILABLE_REPLY.test(e.message) || CLIENT_GONE.test(e.message)) return true;
  }
  return false;
}
