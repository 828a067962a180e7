import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPushOutboxProvider } from '../../../src/channels/push-outbox';
import { createSmsOutboxProvider } from '../../../src/channels/sms-outbox';
import { outbound } from './support';

describe('sms and push outbox providers', () => {
  let outboxDir: string;
  beforeEach(async () => {
    outboxDir = await mkdtemp(path.join(tmpdir(), 'herald-outbox-'));
  });
  afterEach(async () => {
    await rm(outboxDir, { recursive: true, force: true });
  });

  const readJson = async (channelDir: string) => {
    const files = await readdir(path.join(outboxDir, channelDir));
    return { files, records: await Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(outboxDir, channelDir, f), 'utf8')))) };
  };

  it('writes one SMS file per delivery with number, text and delivery id; a resend replaces it', async () => {
    const provider = createSmsOutboxProvider({ outboxDir });
    const message = outbound('sms', ['+15550001111']);
    const result = await provider.send(message);
    await provider.send(message);

    const { files, records } = await readJson('sms');
    expect(provider.id).toBe('sms-outbox');
    expect(files).toEqual([result.providerMessageId]);
    expect(records[0]).toEqual({
      deliveryId: message.deliveryId,
      eventId: message.eventId,
      recipientId: message.recipientId,
      to: ['+15550001111'],
      text: 'Free some space & retry',
    });
  });

  it('writes one push file per delivery with tokens, title, text and event type', async () => {
    const provider = createPushOutboxProvider({ outboxDir });
    const first = outbound('push', ['token-a', 'token-b']);
    await provider.send(first);
    await provider.send(first);
    await provider.send(outbound('push', ['token-c']));

    const { records } = await readJson('push');
    expect(provider.id).toBe('push-outbox');
    expect(records).toHaveLength(2);
    expect(records.find((r) => r.deliveryId === first.deliveryId)).toEqual({
      deliveryId: first.deliveryId,
      eventId: first.eventId,
      recipientId: first.recipientId,
      to: ['token-a', 'token-b'],
      title: 'Disk full',
      text: 'Free some space & retry',
      data: { type: 'alert', priority: 'high' },
    });
  });
});
