import { AddressRejectedError, type HeraldError, PermanentError, RetriableError } from '../shared/errors';
import type { FcmTokenFailure } from './fcm-errors';
import type { SendResult } from './types';

/** One token's answer from FCM: its message name, or why it failed. */
export type TokenOutcome = { token: string; name: string } | { token: string; failure: FcmTokenFailure };

/** `n of m push token(s) failed: …`, keeping the class, code, cause and Retry-After of `error`. */
function withCount(error: HeraldError, failed: number, total: number): HeraldError {
  const text = `${failed} of ${total} push token(s) failed: ${error.message}`;
  if (error instanceof RetriableError) return new RetriableError(text, error.code, error.cause, error.retryAfterMs);
  return new PermanentError(text, error.code, error.cause);
}

/** Every token of one delivery, sorted by what FCM said (now or on an earlier attempt). */
export interface Tally {
  /** Accepted now or by an earlier attempt of this delivery. */
  accepted: string[];
  /** Accepted by this attempt, and FCM's message names for them. */
  fresh: string[];
  names: string[];
  dead: string[];
  mismatched: string[];
  errors: { token: string; error: HeraldError }[];
}

/** Sorts this attempt's outcomes; `earlier` are the tokens an earlier attempt already got through. */
export function tally(earlier: string[], outcomes: TokenOutcome[]): Tally {
  const t: Tally = { accepted: [...earlier], fresh: [], names: [], dead: [], mismatched: [], errors: [] };
  for (const o of outcomes) {
    if ('name' in o) {
      t.fresh.push(o.token);
      t.names.push(o.name);
    } else if (o.failure.kind === 'unregistered') t.dead.push(o.token);
    else if (o.failure.kind === 'sender_mismatch') t.mismatched.push(o.token);
    else t.errors.push({ token: o.token, error: o.failure.error });
  }
  t.accepted.push(...t.fresh);
  return t;
}

/**
 * The delivery's result once accepted tokens are recorded and dead ones pruned: retriable if a
 * token may still succeed, sent if any device has it, else why none does.
 * @param recorded false when the accepted tokens could not be remembered: then never ask for a retry.
 */
export function verdict(t: Tally, total: number, recorded: boolean, pruned: boolean): SendResult {
  const retriable = t.errors.filter((e) => e.error.retriable);
  // Once some device has it, an unrecorded acceptance must not be followed by a resend to it.
  if (retriable.length > 0 && recorded) throw withCount(retriable[0]!.error, retriable.length, total);
  if (t.accepted.length > 0) {
    return { providerMessageId: t.names[0], recipients: { accepted: t.accepted, rejected: [...t.dead, ...t.mismatched, ...t.errors.map((e) => e.token)] } };
  }
  if (t.errors.length > 0) throw withCount(t.errors[0]!.error, t.errors.length, total);
  if (t.mismatched.length > 0) {
    throw new PermanentError(
      `FCM says ${t.mismatched.length} of ${total} push token(s) belong to another sender (SenderId mismatch) and none was accepted; check that ` +
        `GOOGLE_APPLICATION_CREDENTIALS and GOOGLE_CLOUD_PROJECT name the Firebase project the app registers with (the tokens were kept)`,
      'push_sender_mismatch',
    );
  }
  const dropped = pruned ? 'they were dropped from the profile, ' : '';
  throw new AddressRejectedError(
    `FCM reports all ${total} push token(s) unregistered or invalid; ${dropped}the user must open the app to register again`,
    'push_token_unregistered',
  );
}
