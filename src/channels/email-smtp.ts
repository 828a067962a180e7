import nodemailer, { type SMTPPoolSentMessageInfo } from 'nodemailer';
import { PermanentError, describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { mailOptions } from './email-message';
import { mapSmtpError, withoutAddresses } from './smtp-errors';
import type { ChannelProvider } from './types';

/** Settings of the SMTP provider. */
export interface SmtpProviderOptions {
  /** `smtp://user:pass@host:port` (or `smtps://`), from SMTP_URL. */
  url: string;
  /** Sender address, from EMAIL_FROM. */
  from: string;
  logger: Logger;
  /** Wait for the TCP connection and the greeting, in ms. Default 10000 (nodemailer's is 2 minutes). */
  connectionTimeoutMs?: number;
  /** Socket inactivity before a send fails, in ms. Default 30000. */
  socketTimeoutMs?: number;
  /** Pooled connections kept open. Default 5. */
  maxConnections?: number;
}

type Address = string | { address: string };
const addressOf = (a: Address) => (typeof a === 'string' ? a : a.address);

/**
 * Email through a pooled SMTP connection (id `smtp`). Every message carries a Message-ID
 * derived from the idempotency key. When the server refuses some recipients and accepts
 * others, the send succeeds and the result lists both; when it accepts none, it throws.
 */
export function createSmtpProvider(options: SmtpProviderOptions): ChannelProvider {
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    greetingTimeout: options.connectionTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
  });
  // Failures reach each send's promise; a stray transport-level 'error' must not crash the worker.
  transport.on('error', (error) => options.logger.warn('smtp transport error', { provider: 'smtp', error: withoutAddresses(describeError(error)) }));

  return {
    id: 'smtp',
    channel: 'email',
    async send(message) {
      let info: SMTPPoolSentMessageInfo;
      try {
        info = await transport.sendMail(mailOptions(message, options.from));
      } catch (error) {
        throw mapSmtpError(error);
      }
      const accepted = (info.accepted as Address[]).map(addressOf);
      const rejected = (info.rejected as Address[]).map(addressOf);
      if (accepted.length === 0) {
        throw new PermanentError(`SMTP server accepted none of the ${rejected.length} recipient(s); check the address`, 'smtp_rejected');
      }
      if (rejected.length > 0) {
        options.logger.warn('email partly rejected', {
          eventId: message.eventId,
          recipientId: message.recipientId,
          channel: 'email',
          provider: 'smtp',
          accepted: accepted.length,
          rejected: rejected.length,
        });
      }
      return { providerMessageId: info.messageId, recipients: { accepted, rejected } };
    },
    async close() {
      transport.close();
    },
  };
}
