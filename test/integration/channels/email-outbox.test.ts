import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { messageIdFor } from '../../../src/channels/email-message';
import { createEmailOutboxProvider } from '../../../src/channels/email-outbox';
import { RetriableError } from '../../../src/shared/errors';
import { outbound } from './support';

describe('email outbox provider', () => {
  let outboxDir: string;
  beforeEach(async () => {
    outboxDir = await mkdtemp(path.join(tmpdir(), 'herald-outbox-'));
  });
  afterEach(async () => {
    await rm(outboxDir, { recursive: true, force: true });
  });

  it('writes a parseable .eml with subject, text, html and the deterministic Message-ID', async () => {
    const provider = createEmailOutboxProvider({ outboxDir, from: 'Herald <herald@example.test>' });
    const message = outbound('email', ['bob@example.test']);
    const result = await provider.send(message);

    const files = await readdir(path.join(outboxDir, 'email'));
    expect(files).toEqual([result.providerMessageId]);
    expect(files[0]).toMatch(/^[A-Za-z0-9._-]+\.eml$/);
    const raw = await readFile(path.join(outboxDir, 'email', files[0]!));
    expect(raw.toString('utf8')).toContain('\r\n');
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Disk <almost> full');
    expect(mail.text?.trim()).toBe('Free some space & retry');
    expect(mail.html).toBe('<p>Free some space &amp; retry</p>');
    expect(mail.messageId).toBe(messageIdFor(message.idempotencyKey));
    expect(mail.headers.get('x-herald-event-id')).toBe(message.eventId);
  });

  it('overwrites the same file when the same delivery is sent again, leaving no temp files', async () => {
    const provider = createEmailOutboxProvider({ outboxDir, from: 'herald@example.test' });
    const message = outbound('email', ['bob@example.test']);
    await provider.send(message);
    await provider.send({ ...message, content: { ...message.content, subject: 'Second try' } });
    await provider.send(outbound('email', ['ann@example.test']));

    const files = await readdir(path.join(outboxDir, 'email'));
    expect(files).toHaveLength(2);
    const mails = await Promise.all(files.map(async (f) => simpleParser(await readFile(path.join(outboxDir, 'email', f)))));
    expect(mails.map((m) => m.subject).sort()).toEqual(['Disk <almost> full', 'Second try']);
  });

  it('gives delivery ids that only differ in unsafe characters different files', async () => {
    const provider = createEmailOutboxProvider({ outboxDir, from: 'herald@example.test' });
    const base = outbound('email', ['bob@example.test']);
    await provider.send({ ...base, deliveryId: 'a|b/../c' });
    await provider.send({ ...base, deliveryId: 'a_b_.._c' });
    expect(await readdir(path.join(outboxDir, 'email'))).toHaveLength(2);
  });

  it('throws a RetriableError when the outbox directory cannot be written', async () => {
    const blocked = path.join(outboxDir, 'file-not-dir');
    await writeFile(blocked, 'x');
    const provider = createEmailOutboxProvider({ outboxDir: blocked, from: 'herald@example.test' });
    const error = await provider.send(outbound('email', ['bob@example.test'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as RetriableError).code).toBe('outbox_write_failed');
  });
});
