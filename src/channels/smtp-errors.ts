import type { NodemailerError } from 'nodemailer';
import { type HeraldError, PermanentError, RetriableError } from '../shared/errors';

/** Codes of errors that ended or never opened the connection: the server may be back later. */
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'EPROTOCOL',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * A run of characters that are not separators, holding an `@` with something on both sides.
 * The lookbehind lets a match start only where the run does: a run without such an `@` was
 * otherwise scanned again from each of its characters (quadratic in its length), and a match
 * always spans its whole run anyway.
 */
const ADDRESS = /(?<![^\s<>"'(),;:])[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g;

/** SMTP replies often quote the address; error messages end up in logs and delivery records. Linear in `text`. */
export function withoutAddresses(text: string): string {
  return text.replace(ADDRESS, '[address]');
}

/**
 * Maps a nodemailer error onto herald's errors: a 4xx reply (and 503) is `smtp_transient`
 * (retriable), any other 5xx is `smtp_rejected` (permanent), a connection failure or timeout
 * is `smtp_unavailable` (retriable), anything else (bad message, missing credentials) is a
 * permanent `smtp_error`.
 */
export function mapSmtpError(error: unknown): HeraldError {
  const err = (error ?? {}) as NodemailerError;
  const reply = withoutAddresses(err.response ?? err.message ?? String(error));
  if (typeof err.responseCode === 'number') {
    // nodemailer sets `permanent` from RFC 5321 (5xx except 503); older errors may lack it.
    const permanent = err.permanent ?? (err.responseCode >= 500 && err.responseCode !== 503);
    if (permanent) {
      return new PermanentError(`SMTP server rejected the message (${reply}); retrying will not help, check the address and content`, 'smtp_rejected', error);
    }
    return new RetriableError(`SMTP server deferred the message (${reply}); it will be retried`, 'smtp_transient', error);
  }
  const code = err.code ?? '';
  if (CONNECTION_CODES.has(code) || CONNECTION_CODES.has(err.originalCode ?? '')) {
    return new RetriableError(
      `Cannot reach the SMTP server (${[code, err.originalCode].filter(Boolean).join('/')}: ${reply}); check SMTP_URL and that the ` +
        `server is up, it will be retried`,
      'smtp_unavailable',
      error,
    );
  }
  return new PermanentError(`SMTP send failed (${code || 'no code'}: ${reply}); check SMTP_URL credentials and the message`, 'smtp_error', error);
}
