import type { ContractIssue } from '../contract/parse-event';

/**
 * An error a route throws to answer with a chosen status and the JSON error shape
 * `{ error, message, issues?, retryable? }`; the error handler turns it into the response.
 */
export class HttpError extends Error {
  /** HTTP status of the response. */
  readonly statusCode: number;
  /** Stable, machine-readable error name (`not_found`, `invalid_profile`…). */
  readonly error: string;
  /** Every problem found in the request, with its path, when there is more than one thing to fix. */
  readonly issues?: ContractIssue[];
  /** True when sending the same request again later may succeed. */
  readonly retryable?: boolean;

  constructor(statusCode: number, error: string, message: string, options: { issues?: ContractIssue[]; retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.error = error;
    this.issues = options.issues;
    this.retryable = options.retryable;
  }
}
