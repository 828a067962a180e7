import { createHash } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import type { OutboundMessage } from './types';

/**
 * The Message-ID of a delivery, derived from its idempotency key: a resend after a crash or
 * timeout carries the same id, so receivers and mailbox providers can drop the duplicate.
 */
export function messageIdFor(idempotencyKey: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}@herald>`;
}

/** The nodemailer message of one email delivery, shared by the SMTP and outbox providers. */
export function mailOptions(message: OutboundMessage, from: string): SendMailOptions {
  return {
    from,
    to: message.to,
    subject: message.content.subject,
    text: message.content.text,
    html: message.content.html,
    messageId: messageIdFor(message.idempotencyKey),
    // Lets on-call find the event from a received mail without exposing the recipient.
    headers: { 'X-Herald-Event-Id': message.eventId },
  };
}
