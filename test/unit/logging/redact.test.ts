import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from '../../../src/shared/logger';

/** herald's real logger (redaction, timestamp, JSON), its console swapped for an in-memory stream. */
function memoryLogger() {
  const lines: string[] = [];
  const logger = createLogger('debug');
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          callback();
        },
      }),
    }),
  );
  /** Logs one record and resolves with its JSON line, parsed, and the raw line. */
  const log = async (message: string, meta: object = {}, level = 'info') => {
    const before = lines.length;
    logger.log(level, message, meta);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(before + 1);
    const raw = lines.at(-1)!;
    return { line: JSON.parse(raw) as Record<string, any>, raw };
  };
  return { log };
}

const FCM_TOKEN =
  'fGx1Q2w3E4r5T6y7U8i9Oo:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx_lQ0IHdpZ8P1Zpp6N7Xb3mJ-fA2Td4u1vR0S8wQkLs9Yh3nPzXcE5qB7vT2uW6aF0gJ4kM8oR1sV5yZ9dC3xH7lN';

describe('redact: fields named like secrets', () => {
  const { log } = memoryLogger();

  it('redacts addresses, phone numbers and bodies at the top level, keeping the decision fields readable', async () => {
    const { line } = await log('delivery sent', {
      eventId: 'evt-123',
      recipientId: 'direct:0123456789abcdef',
      channel: 'email',
      provider: 'smtp',
      attempts: 2,
      reason: 'smtp_rejected',
      error: 'SMTP server rejected the message',
      to: ['bob@example.com'],
      email: 'bob@example.com',
      phone: '+14155550100',
      address: '1 Main St',
      body: 'Your code is 123456',
      subject: 'Reset your password',
      payload: { code: '123456' },
    });
    expect(line).toMatchObject({
      level: 'info',
      message: 'delivery sent',
      service: 'herald',
      eventId: 'evt-123',
      recipientId: 'direct:0123456789abcdef',
      channel: 'email',
      provider: 'smtp',
      attempts: 2,
      reason: 'smtp_rejected',
      error: 'SMTP server rejected the message',
      to: '[redacted]',
      email: '[redacted]',
      phone: '[redacted]',
      address: '[redacted]',
      body: '[redacted]',
      subject: '[redacted]',
      payload: '[redacted]',
    });
  });

  it('redacts at any depth, inside nested objects and arrays', async () => {
    const { line, raw } = await log('outbound message', {
      outbound: {
        eventId: 'evt-9',
        content: { subject: 'Hi Bob', html: '<p>Hi Bob</p>', text: 'Hi Bob' },
        cc: ['carol@example.com'],
        bcc: ['dan@example.com'],
      },
      deliveries: [
        { channel: 'sms', to: ['+14155550100'] },
        { channel: 'push', pushTokens: [FCM_TOKEN] },
      ],
    });
    expect(line.message).toBe('outbound message');
    expect(line.outbound).toEqual({ eventId: 'evt-9', content: '[redacted]', cc: '[redacted]', bcc: '[redacted]' });
    expect(line.deliveries).toEqual([
      { channel: 'sms', to: '[redacted]' },
      { channel: 'push', pushTokens: '[redacted]' },
    ]);
    expect(raw).not.toMatch(/Hi Bob|carol@|dan@|4155550100|APA91/);
  });

  it('matches names case-insensitively and their spellings: deviceToken(s), apiKey, x-api-key, secrets, authToken, cookie, authorization', async () => {
    const { line } = await log('request', {
      To: 'bob@example.com',
      EMAIL: 'bob@example.com',
      phoneNumber: '+14155550100',
      deviceToken: 'abc',
      device_tokens: ['abc', 'def'],
      apiKey: 'k-1',
      'x-api-key': 'k-2',
      webhookSecrets: ['whsec_abc'],
      secret: 's',
      authToken: 't',
      headers: { Authorization: 'Bearer abc', Cookie: 'sid=1', 'Set-Cookie': 'sid=2', 'content-type': 'application/json' },
    });
    expect(line).toMatchObject({
      To: '[redacted]',
      EMAIL: '[redacted]',
      phoneNumber: '[redacted]',
      deviceToken: '[redacted]',
      device_tokens: '[redacted]',
      apiKey: '[redacted]',
      'x-api-key': '[redacted]',
      webhookSecrets: '[redacted]',
      secret: '[redacted]',
      authToken: '[redacted]',
      headers: { Authorization: '[redacted]', Cookie: '[redacted]', 'Set-Cookie': '[redacted]', 'content-type': 'application/json' },
    });
  });

  it('writes Error objects out (name, message, own properties, cause) with their secret properties and texts redacted', async () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:587');
    const error = Object.assign(new Error("Can't send mail - all recipients were rejected: 550 5.1.1 <bob@example.com>: unknown mailbox", { cause }), {
      code: 'EENVELOPE',
      responseCode: 550,
      rejected: ['bob@example.com'],
      to: 'bob@example.com',
    });
    const { line, raw } = await log('send failed', { eventId: 'evt-1', error });
    expect(line.error).toMatchObject({
      name: 'Error',
      message: "Can't send mail - all recipients were rejected: 550 5.1.1 <[email]>: unknown mailbox",
      code: 'EENVELOPE',
      responseCode: 550,
      rejected: ['[email]'],
      to: '[redacted]',
      cause: { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:587' },
    });
    expect(typeof line.error.stack).toBe('string');
    expect(raw).not.toContain('bob@example.com');
  });
});

describe('redact: addresses, numbers and tokens inside any string', () => {
  const { log } = memoryLogger();

  it('replaces emails in provider replies, in the log message too', async () => {
    const { line } = await log('mail to bob@example.com bounced', {
      error: '550 5.1.1 <bob@example.com>: unknown mailbox',
      detail: 'from Herald <herald@localhost>',
    });
    expect(line.message).toBe('mail to [email] bounced');
    expect(line.error).toBe('550 5.1.1 <[email]>: unknown mailbox');
    expect(line.detail).toBe('from Herald <[email]>');
  });

  it('replaces E.164 and long phone numbers, formatted or not', async () => {
    const { line } = await log('sms refused', {
      error: "Twilio refused the number (21211 The 'To' number +14155550100 is not a valid phone number)",
      spaced: 'call +1 415-555-0100 or +44 20 7946 0958',
      bare: "The 'To' number 4155550100 is not valid",
      us: 'dial (415) 555-0100 or 415.555.0100',
    });
    expect(line.error).toBe("Twilio refused the number (21211 The 'To' number [phone] is not a valid phone number)");
    expect(line.spaced).toBe('call [phone] or [phone]');
    expect(line.bare).toBe("The 'To' number [phone] is not valid");
    expect(line.us).toBe('dial [phone] or [phone]');
  });

  it('replaces FCM registration tokens and other long opaque tokens', async () => {
    const { line } = await log('push failed', {
      error: `messaging/registration-token-not-registered: Requested entity was not found for ${FCM_TOKEN}`,
      key: 'AIzaSyD4x9Qw2mLk7PpV3nB8rT6yU1iO0aSdFgH',
      hex: 'the key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 was refused',
    });
    expect(line.error).toBe('messaging/registration-token-not-registered: Requested entity was not found for [token]');
    expect(line.key).toBe('[token]');
    expect(line.hex).toBe('the key [token] was refused');
  });

  it('replaces bearer tokens and whsec_ webhook secrets', async () => {
    const { line } = await log('webhook refused', {
      error: 'sent Authorization: Bearer xyz and secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw to the receiver',
    });
    expect(line.error).toBe('sent Authorization: Bearer [token] and secret [token] to the receiver');
  });

  it('replaces user:pass@ in URLs (Twilio, SMTP, Redis), and token query parameters', async () => {
    const { line } = await log('unreachable', {
      twilio: 'POST https://AC0123456789abcdef0123456789abcdef:0f1e2d3c4b5a69788796a5b4c3d2e1f0@api.twilio.com/2010-04-01/Accounts failed',
      smtp: 'connect smtp://mailer:s3cret@smtp.example.com:587 refused',
      redis: 'redis://:hunter2@cache:6379 closed',
      query: 'GET https://hooks.example.com/in?token=abc123&id=7 failed',
    });
    expect(line.twilio).toBe('POST https://[credentials]@api.twilio.com/2010-04-01/Accounts failed');
    expect(line.smtp).toBe('connect smtp://[credentials]@smtp.example.com:587 refused');
    expect(line.redis).toBe('redis://[credentials]@cache:6379 closed');
    expect(line.query).toBe('GET https://hooks.example.com/in?token=[token]&id=7 failed');
  });
});

describe('redact: what stays readable', () => {
  const { log } = memoryLogger();

  it('keeps ISO timestamps, with or without offsets and milliseconds', async () => {
    const values = { dueAt: '2026-01-31T09:00:00.000Z', sendAt: '2026-01-31T09:00:00+01:00', until: '2026-06-01T23:59:59-05:30' };
    const { line } = await log('event scheduled at 2026-01-31T09:00:00Z', values);
    expect(line).toMatchObject({ message: 'event scheduled at 2026-01-31T09:00:00Z', ...values });
    expect(line.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('keeps UUIDs, lower and upper case', async () => {
    const values = { requestId: '123e4567-e89b-42d3-a456-426614174000', eventId: '123E4567-E89B-42D3-A456-426614174000' };
    const { line } = await log('event 123e4567-e89b-42d3-a456-426614174000 accepted', values);
    expect(line).toMatchObject({ message: 'event 123e4567-e89b-42d3-a456-426614174000 accepted', ...values });
  });

  it('keeps event ids such as evt-123 and readable long ids', async () => {
    const values = { eventId: 'evt-123', other: 'order-confirmation-2026-01-31-customer-42', digestId: 'digest:weekly:u-alice:2026-01-31' };
    const { line } = await log('delivery sent for evt-123', values);
    expect(line).toMatchObject({ message: 'delivery sent for evt-123', ...values });
  });

  it('keeps direct:<16 hex> recipient ids and delivery ids built from them', async () => {
    const values = { recipientId: 'direct:0123456789abcdef', deliveryId: 'evt-123|direct:0123456789abcdef|email' };
    const { line } = await log('delivery deferred', values);
    expect(line).toMatchObject(values);
  });

  it('keeps topics, partitions, offsets and numbers', async () => {
    const values = {
      topic: 't-topic-m9x1k2p3-a1b2c3.incoming',
      partition: 2,
      offset: '12345678901',
      marker: 't-topic-m9x1k2p3-a1b2c3.incoming/2/1234567890123',
      timestampMs: '1767225600000',
      owner: 'herald-worker-7d9f8b6c5-x2x9z-12345-abcdef',
      count: 14155550100,
      delayMs: 30000,
    };
    const { line } = await log('message handling failed; retrying in place', values);
    expect(line).toMatchObject(values);
  });

  it('keeps provider message ids as they are (Twilio SIDs, SMTP Message-IDs)', async () => {
    const values = { providerMessageId: '<5d41402abc4b2a76b9719d911017c592abcdef01@herald>', sid: 'SM0123456789abcdef0123456789abcdef' };
    const { line } = await log('delivery sent', values);
    expect(line).toMatchObject(values);
  });
});

describe('redact: safety', () => {
  const { log } = memoryLogger();

  it("never changes the caller's objects", async () => {
    const error = Object.assign(new Error('550 <bob@example.com> unknown'), { to: 'bob@example.com' });
    const meta = { eventId: 'evt-1', to: ['bob@example.com'], nested: { phone: '+14155550100', note: 'call +14155550100', list: [{ token: 'abc' }] }, error };
    const snapshot = structuredClone({ ...meta, error: undefined });
    const { line } = await log('sent', meta);
    expect(line.to).toBe('[redacted]');
    expect(line.nested.note).toBe('call [phone]');
    expect({ ...meta, error: undefined }).toEqual(snapshot);
    expect(error.message).toBe('550 <bob@example.com> unknown');
    expect(error.to).toBe('bob@example.com');
  });

  it('survives cycles, writing [circular] where an object contains itself', async () => {
    const parent: Record<string, unknown> = { eventId: 'evt-1', email: 'bob@example.com' };
    parent.self = parent;
    const shared = { channel: 'sms' };
    const { line } = await log('cyclic', { parent, a: shared, b: shared });
    expect(line.parent).toEqual({ eventId: 'evt-1', email: '[redacted]', self: '[circular]' });
    // The same object twice, not inside itself, is no cycle.
    expect(line.a).toEqual({ channel: 'sms' });
    expect(line.b).toEqual({ channel: 'sms' });
  });

  it('writes buffers as their size, never their bytes', async () => {
    const { line } = await log('raw message', { value: Buffer.from('{"to":"bob@example.com"}') });
    expect(line.value).toBe('[24 bytes]');
  });
});
