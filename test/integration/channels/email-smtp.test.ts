import { createServer, type AddressInfo, type Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { messageIdFor } from '../../../src/channels/email-message';
import { createSmtpProvider } from '../../../src/channels/email-smtp';
import type { ChannelProvider } from '../../../src/channels/types';
import { PermanentError, RetriableError } from '../../../src/shared/errors';
import { testLogger, freePort } from '../../support/infra';
import { outbound } from './support';

/** A real SMTP server on a random port; `rcptReply` decides each recipient (undefined = accept). */
async function startServer(rcptReply: (address: string) => number | undefined = () => undefined) {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = rcptReply(address.address);
      if (code === undefined) return callback();
      const error = Object.assign(new Error(`${code} mailbox <${address.address}> unavailable`), { responseCode: code });
      callback(error);
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function sendError(provider: ChannelProvider, message = outbound('email', ['bob@example.test'])): Promise<unknown> {
  try {
    await provider.send(message);
  } catch (error) {
    return error;
  }
  throw new Error('expected send to fail');
}

describe('smtp provider', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  async function setup(rcptReply?: (address: string) => number | undefined) {
    const server = await startServer(rcptReply);
    const provider = createSmtpProvider({ url: server.url, from: 'Herald <herald@example.test>', logger: testLogger() });
    cleanups.push(async () => {
      await provider.close?.();
      await server.close();
    });
    return { server, provider };
  }

  it('delivers subject, text, html and a Message-ID derived from the idempotency key', async () => {
    const { server, provider } = await setup();
    const message = outbound('email', ['bob@example.test']);
    const result = await provider.send(message);

    expect(provider.id).toBe('smtp');
    expect(server.received).toHaveLength(1);
    const mail = server.received[0]!;
    expect(mail.subject).toBe('Disk <almost> full');
    expect(mail.text?.trim()).toBe('Free some space & retry');
    expect(mail.html).toBe('<p>Free some space &amp; retry</p>');
    expect(mail.messageId).toBe(messageIdFor(message.idempotencyKey));
    expect(mail.from?.value[0]).toMatchObject({ name: 'Herald', address: 'herald@example.test' });
    expect(result.providerMessageId).toBe(messageIdFor(message.idempotencyKey));
    expect(result.recipients).toEqual({ accepted: ['bob@example.test'], rejected: [] });
  });

  it('sends a retry of the same delivery with the same Message-ID', async () => {
    const { server, provider } = await setup();
    const message = outbound('email', ['bob@example.test']);
    await provider.send(message);
    await provider.send(message);
    expect(server.received.map((m) => m.messageId)).toEqual([messageIdFor(message.idempotencyKey), messageIdFor(message.idempotencyKey)]);
  });

  it('maps a 451 reply to a RetriableError smtp_transient', async () => {
    const { provider } = await setup(() => 451);
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as RetriableError).code).toBe('smtp_transient');
  });

  it('maps a 550 reply to a PermanentError smtp_rejected without the address in the message', async () => {
    const { server, provider } = await setup(() => 550);
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('smtp_rejected');
    expect((error as Error).message).not.toContain('bob@example.test');
    expect(server.received).toHaveLength(0);
  });

  it('delivers to the accepted recipients and reports the rejected ones', async () => {
    const { server, provider } = await setup((address) => (address.startsWith('gone') ? 550 : undefined));
    const result = await provider.send(outbound('email', ['bob@example.test', 'gone@example.test']));
    expect(result.recipients).toEqual({ accepted: ['bob@example.test'], rejected: ['gone@example.test'] });
    expect(server.received).toHaveLength(1);
  });

  it('maps nothing listening to a RetriableError smtp_unavailable', async () => {
    const provider = createSmtpProvider({ url: `smtp://127.0.0.1:${await freePort()}`, from: 'herald@example.test', logger: testLogger() });
    cleanups.push(async () => provider.close?.());
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as RetriableError).code).toBe('smtp_unavailable');
    expect((error as Error).message).toContain('SMTP_URL');
  });

  it('maps a server that never greets to a RetriableError smtp_unavailable after the timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    const provider = createSmtpProvider({ url: `smtp://127.0.0.1:${port}`, from: 'herald@example.test', logger: testLogger(), connectionTimeoutMs: 300 });
    cleanups.push(async () => {
      await provider.close?.();
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => silent.close(() => r()));
    });
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as RetriableError).code).toBe('smtp_unavailable');
  });
});
