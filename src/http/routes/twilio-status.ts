import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
// The webhooks module alone: the twilio package's entry point loads every REST API (~30 MB of RSS).
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { Logger } from '../../shared/logger';
import { describeError } from '../../shared/errors';
import { HttpError } from '../http-error';

/** A final delivery outcome Twilio reported for one message. */
export interface TwilioStatusUpdate {
  /** Twilio's message SID (`SM…`), the provider message id stored at send time. */
  messageSid: string;
  status: 'delivered' | 'failed';
  /** Twilio's ErrorCode for a failed or undelivered message (e.g. 30003: handset unreachable). */
  errorCode?: string;
}

/** What the Twilio status route needs. */
export interface TwilioStatusDeps {
  /** From TWILIO_AUTH_TOKEN: Twilio signs every callback with it. */
  authToken: string;
  /**
   * The scheme, host and port Twilio calls (the start of the StatusCallback URL herald sends), without
   * a trailing path. Behind a proxy, herald sees another host; the signature covers the public one.
   */
  publicUrl: string;
  /** Records the outcome; `unknown` when no delivery has this SID, `duplicate` when already recorded. */
  apply(update: TwilioStatusUpdate): Promise<'applied' | 'duplicate' | 'unknown'>;
  /**
   * The once-only ledger of signed reports, by fingerprint (Redis: `createReportClaims`). `claim`
   * answers `claimed` (apply it), `replayed` (applied before) or `busy` (another request is applying
   * it); `settle` records it applied; `release` gives the claim back when applying failed.
   */
  claims: {
    claim(fingerprint: string): Promise<'claimed' | 'replayed' | 'busy'>;
    settle(fingerprint: string): Promise<void>;
    release(fingerprint: string): Promise<void>;
  };
  logger: Logger;
}

/** Twilio's MessageStatus values that end a message; every other status is a step on the way. */
const FINAL_STATUSES: Record<string, TwilioStatusUpdate['status']> = {
  delivered: 'delivered',
  failed: 'failed',
  undelivered: 'failed',
};

/** Callbacks are a dozen short fields. */
const BODY_LIMIT = 16 * 1024;

/**
 * What identifies one signed report: SHA-256 over what the signature covers, the URL and the
 * parameters (sorted as Twilio sorts them). That content has no timestamp or nonce, so the same
 * report is the same request forever; another status for the same SID is other content. The
 * signature itself is left out: it follows from the content, and a second accepted encoding of it
 * (validateRequest also tries the URL with and without its port) must not make a replay look new.
 */
function reportFingerprint(url: string, params: Record<string, string>): string {
  const sorted = Object.keys(params)
    .sort()
    .map((name) => [name, params[name]]);
  return createHash('sha256')
    .update(JSON.stringify([url, sorted]))
    .digest('base64url');
}

/** A Redis failure on this route: 503 (`message` says what happened), which Twilio retries. */
function unavailable(message: string, cause: unknown): HttpError {
  return new HttpError(503, 'temporarily_unavailable', `${message}; Twilio sends it again. If this persists, check Redis (GET /readyz)`, {
    retryable: true,
    cause,
  });
}

/** Applies a claimed report, then settles the claim; gives the claim back when applying fails. */
async function applyClaimed(deps: TwilioStatusDeps, fingerprint: string, update: TwilioStatusUpdate) {
  let outcome: Awaited<ReturnType<TwilioStatusDeps['apply']>>;
  try {
    outcome = await deps.apply(update);
  } catch (error) {
    // Given back so Twilio's retry of this report is applied; with Redis gone, the claim's lease lapses instead.
    await deps.claims.release(fingerprint).catch((releaseError: unknown) => {
      deps.logger.warn('twilio status claim not released; it lapses after its lease', {
        provider: 'twilio',
        providerMessageId: update.messageSid,
        error: describeError(releaseError),
      });
    });
    throw error;
  }
  // Not settled: the claim lapses and Twilio's retry applies the report again, a no-op (`duplicate`), then settles it.
  await deps.claims.settle(fingerprint).catch((error: unknown) => {
    throw unavailable('herald applied this report but could not record it as applied (a Redis error), so a retry changes nothing', error);
  });
  return outcome;
}

/**
 * `POST /webhooks/twilio/status`: Twilio's delivery reports for SMS (register at the root, not
 * under `/api`: Twilio authenticates with X-Twilio-Signature, not a bearer key). A missing or wrong
 * signature answers 403 `invalid_signature`. `delivered`, `failed` and `undelivered` are applied
 * once: the same signed report again answers 403 `replayed_signature`, and 503 while Redis cannot say
 * whether it was applied. Intermediate statuses (queued, sending, sent, accepted…) answer 204 without
 * a change. Once a report is applied the answer is 204 whatever `apply` returns, since Twilio cannot
 * fix an unknown SID by sending again.
 */
export function twilioStatusRoutes(app: FastifyInstance, deps: TwilioStatusDeps): void {
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');

  // Own plugin scope: the form parser serves this route only, the JSON API stays JSON-only.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.post<{ Body: Record<string, string> | undefined }>('/webhooks/twilio/status', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const params = request.body && typeof request.body === 'object' ? request.body : {};
      const signature = request.headers['x-twilio-signature'];
      // The signature covers the URL Twilio called, query string included: request.url keeps it.
      const url = publicUrl + request.url;
      if (typeof signature !== 'string' || !validateRequest(deps.authToken, signature, url, params)) {
        deps.logger.warn('twilio status callback refused', { reason: 'invalid_signature', signed: typeof signature === 'string' });
        return reply.code(403).send({
          error: 'invalid_signature',
          message:
            'X-Twilio-Signature is missing or does not match; check that TWILIO_AUTH_TOKEN is the account that sent the message and that the public URL ' +
            'herald is configured with is the one Twilio calls',
        });
      }

      const messageSid = params.MessageSid ?? params.SmsSid;
      const reported = params.MessageStatus ?? params.SmsStatus ?? '';
      // Own entries only: a status such as "constructor" is not final, whatever Object's prototype holds.
      const status = Object.hasOwn(FINAL_STATUSES, reported) ? FINAL_STATUSES[reported] : undefined;
      if (!messageSid || !status) return reply.code(204).send();

      const errorCode = status === 'failed' && params.ErrorCode ? params.ErrorCode : undefined;
      const log = { provider: 'twilio', channel: 'sms', providerMessageId: messageSid, status, errorCode };
      // A valid signature proves Twilio signed this content once, not when: a captured callback replays
      // forever, so each report is claimed once. Intermediate statuses change nothing, so they are not
      // claimed (no key per queued/sent report). I-Twilio-Idempotency-Token is not covered by the
      // signature: whoever replays a callback can send a fresh one, so it cannot tell a replay apart.
      const fingerprint = reportFingerprint(url, params);
      const claim = await deps.claims.claim(fingerprint).catch((error: unknown) => {
        throw unavailable('herald could not check whether this report was already applied (a Redis error), so it applied nothing', error);
      });
      if (claim !== 'claimed') return refuse(reply, deps.logger, claim, log);

      const outcome = await applyClaimed(deps, fingerprint, { messageSid, status, ...(errorCode ? { errorCode } : {}) });
      if (outcome === 'unknown') deps.logger.info('twilio status for an unknown message ignored', { ...log, outcome });
      else deps.logger.info('twilio status recorded', { ...log, outcome });
      return reply.code(204).send();
    });
  });
}

/** Answers a report whose claim was taken: 403 when it was applied before, 503 while another request applies it. */
function refuse(reply: FastifyReply, logger: Logger, claim: 'replayed' | 'busy', log: Record<string, unknown>) {
  if (claim === 'busy') {
    logger.warn('twilio status callback deferred', { ...log, reason: 'report_in_progress' });
    return reply.code(503).send({
      error: 'report_in_progress',
      message: 'another request is applying this same signed report right now; send it again later (Twilio retries it), nothing else to do',
      retryable: true,
    });
  }
  // Never the signature, the body or the phone number: the SID says which message it was.
  logger.warn('twilio status callback refused', { ...log, reason: 'replayed_signature' });
  return reply.code(403).send({
    error: 'replayed_signature',
    message:
      'this signed report was already received and applied; Twilio signatures carry no timestamp, so herald applies each signed report once. ' +
      'If Twilio sent it again after a timeout, nothing is lost; otherwise someone is replaying captured callbacks to this URL: find where they come from',
  });
}
