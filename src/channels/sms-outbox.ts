import path from 'node:path';
import { writeOutboxFile } from './outbox-file';
import type { ChannelProvider } from './types';

/**
 * SMS for development until a real provider lands (id `sms-outbox`): one JSON file per
 * delivery in `<outboxDir>/sms/` with the number(s), the text and the delivery id. A resend
 * replaces the file. `providerMessageId` is the file name.
 */
export function createSmsOutboxProvider(options: { outboxDir: string }): ChannelProvider {
  const dir = path.join(options.outboxDir, 'sms');
  return {
    id: 'sms-outbox',
    channel: 'sms',
    async send(message) {
      const record = { deliveryId: message.deliveryId, eventId: message.eventId, recipientId: message.recipientId, to: message.to, text: message.content.text };
      return { providerMessageId: await writeOutboxFile(dir, message.deliveryId, 'json', `${JSON.stringify(record, null, 2)}\n`) };
    },
  };
}
