import type { FastifyInstance } from 'fastify';
// The webhooks module alone: the twilio package's entry point loads every REST API (~30 MB of RSS).
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { Logger } from '../../logger';

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
 * `POST /webhooks/twilio/status`: Twilio's delivery reports for SMS (register at the root, not
 * under `/api`: Twilio authenticates with X-Twilio-Signature, not a bearer key). A missing or wrong
 * signature answers 403. `delivered`, `failed` and `undelivered` are applied; intermediate statuses
 * (queued, sending, sent, accepted…) answer 204 without a change. Once the signature is valid the
 * answer is 204 whatever `apply` returns, since Twilio cannot fix an unknown SID by sending again.
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
      if (typeof signature !== 'string' || !validateRequest(deps.authToken, signature, publicUrl + request.url, params)) {
        deps.logger.warn('twilio status callback refused', { reason: 'invalid_signature', signed: typeof signature === 'string' });
        return reply.code(403).send({
          error: 'invalid_signature',
          message: 'X-Twilio-Signature is missing or does not match; check that TWILIO_AUTH_TOKEN is the account that sent the message and that the public URL herald is configured with is the one Twilio calls',
        });
      }

      const messageSid = params.MessageSid ?? params.SmsSid;
      const status = FINAL_STATUSES[params.MessageStatus ?? params.SmsStatus ?? ''];
      if (!messageSid || !status) return reply.code(204).send();

      const errorCode = status === 'failed' && params.ErrorCode ? params.ErrorCode : undefined;
      const outcome = await deps.apply({ messageSid, status, ...(errorCode ? { errorCode } : {}) });
      const log = { provider: 'twilio', channel: 'sms', providerMessageId: messageSid, status, errorCode, outcome };
      if (outcome === 'unknown') deps.logger.info('twilio status for an unknown message ignored', log);
      else deps.logger.info('twilio status recorded', log);
      return reply.code(204).send();
    });
  });
}
