import path from 'node:path';
import { writeOutboxFile } from './outbox-file';
import type { ChannelProvider } from './types';

/**
 * Push for development until a real provider lands (id `push-outbox`): one JSON file per
 * delivery in `<outboxDir>/push/` with the device token(s), title, text, event type and
 * priority. A resend replaces the file. `providerMessageId` is the file name.
 */
export function createPushOutboxProvider(options: { outboxDir: string }): ChannelProvider {
  const dir = path.join(options.outboxDir, 'push');
  return {
    id: 'push-outbox',
    channel: 'push',
    async send(message) {
      const record = {
        deliveryId: message.deliveryId,
        eventId: message.eventId,
        recipientId: message.recipientId,
        to: message.to,
        title: message.content.title,
        text: message.content.text,
        data: { type: message.meta.type, priority: message.meta.priority },
      };
      return { providerMessageId: await writeOutboxFile(dir, message.deliveryId, 'json', `${JSON.stringify(record, null, 2)}\n`) };
    },
  };
}
