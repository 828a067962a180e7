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

/** True when the error (or anything unknown, which we treat as a programming error) must not be retried. */
export function isRetriable(error: unknown): boolean {
  return error instanceof HeraldError && error.retriable;
}

/** A short, log-safe description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
