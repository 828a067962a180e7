import path from 'node:path';
import nodemailer from 'nodemailer';
import { PermanentError } from '../shared/errors';
import { mailOptions } from './email-message';
import { writeOutboxFile } from './outbox-file';
import type { ChannelProvider } from './types';

/** Settings of the email outbox. */
export interface EmailOutboxOptions {
  /** Root of the local sinks, from OUTBOX_DIR; emails go to `<outboxDir>/email/`. */
  outboxDir: string;
  /** Sender address, from EMAIL_FROM. */
  from: string;
}

/**
 * Email for development and the demo (id `email-outbox`): each delivery becomes a real MIME
 * `.eml` file (CRLF line endings, as on the wire) that any mail client opens. The file name
 * comes from the delivery id, so a resend replaces the file. `providerMessageId` is the file name.
 */
export function createEmailOutboxProvider(options: EmailOutboxOptions): ChannelProvider {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const dir = path.join(options.outboxDir, 'email');

  return {
    id: 'email-outbox',
    channel: 'email',
    async send(message) {
      let raw: Buffer;
      try {
        raw = (await transport.sendMail(mailOptions(message, options.from))).message as Buffer;
      } catch (error) {
        // Building MIME fails only on bad input (e.g. an unparseable address): the same every time.
        throw new PermanentError(`Cannot build the email: ${(error as Error).message}`, 'email_invalid', error);
      }
      return { providerMessageId: await writeOutboxFile(dir, message.deliveryId, 'eml', raw) };
    },
  };
}
