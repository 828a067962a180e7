import { createTwilioSmsProvider, type TwilioSmsProviderOptions } from '../../../src/channels/sms-twilio';
import type { ChannelProvider, OutboundMessage } from '../../../src/channels/types';
import { PermanentError, RetriableError } from '../../../src/shared/errors';
import { testLogger, freePort } from '../../support/infra';
import { startTwilioServer } from '../../support/twilio-server';
import { outbound } from './support';

const PHONE = '+14155550123';
const FROM = '+14155550100';
const CALLBACK = 'https://herald.example.test/webhooks/twilio/status';

async function sendError(provider: ChannelProvider, message: OutboundMessage = outbound('sms', [PHONE])): Promise<Error> {
  try {
    await provider.send(message);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected send to fail');
}

describe('twilio sms provider', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  async function setup(overrides: Partial<TwilioSmsProviderOptions> = {}) {
    const server = await startTwilioServer();
    const provider = createTwilioSmsProvider({
      accountSid: server.accountSid,
      authToken: server.authToken,
      from: FROM,
      apiBaseUrl: server.url,
      statusCallbackUrl: CALLBACK,
      maxSegments: 3,
      logger: testLogger(),
      ...overrides,
    });
    cleanups.push(async () => {
      await provider.close?.();
      await server.close();
    });
    return { server, provider };
  }

  const expectNoPhone = (error: Error) => {
    expect(error.message).not.toContain(PHONE);
    expect(error.message).not.toContain(PHONE.slice(1));
  };

  it('sends through the SDK and returns the SID', async () => {
    const { server, provider } = await setup();
    const result = await provider.send(outbound('sms', [PHONE]));

    expect(provider).toMatchObject({ id: 'twilio', channel: 'sms' });
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${server.accountSid}/Messages.json`, authorized: true });
    expect(request.form).toEqual({ To: PHONE, From: FROM, Body: 'Free some space & retry', StatusCallback: CALLBACK });
    expect(request.headers['user-agent']).toMatch(/^twilio-node\//);
  });

  it('sends one message per number and leaves StatusCallback out when none is configured', async () => {
    const { server, provider } = await setup({ statusCallbackUrl: undefined });
    await provider.send(outbound('sms', [PHONE, '+447700900123']));
    expect(server.requests.map((r) => r.form.To)).toEqual([PHONE, '+447700900123']);
    expect(server.requests[0]!.form).not.toHaveProperty('StatusCallback');
  });

  it('maps a 503 to a RetriableError without retrying inside the SDK', async () => {
    const { server, provider } = await setup();
    server.failNext(503);
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as RetriableError).code).toBe('http_503');
    expect(server.requests).toHaveLength(1);
  });

  it('maps a 429 to a RetriableError rate_limited with the Retry-After wait', async () => {
    const { server, provider } = await setup();
    server.reply429(2);
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
    expect(server.requests).toHaveLength(1);
  });

  it('maps a 429 without Retry-After to rate_limited with no wait of its own', async () => {
    const { server, provider } = await setup();
    server.rejectNext(429, 20429, 'Too Many Requests');
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: undefined });
  });

  it('maps error 21211 to a PermanentError invalid_phone_number, without the number Twilio quoted', async () => {
    const { server, provider } = await setup();
    server.rejectNext(400, 21211, `The 'To' number ${PHONE} is not a valid phone number.`);
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('invalid_phone_number');
    expect(error.message).toContain('21211');
    expectNoPhone(error);
    expectNoPhone(error.cause as Error);
  });

  it.each([
    [21614, 'not_mobile'],
    [21610, 'recipient_unsubscribed'],
  ])('maps error %i to a PermanentError %s', async (twilioCode, code) => {
    const { server, provider } = await setup();
    server.rejectNext(400, twilioCode, 'Refused');
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe(code);
  });

  it('maps another 400 to a permanent http_400', async () => {
    const { server, provider } = await setup();
    server.rejectNext(400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number.");
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('http_400');
  });

  it('maps refused credentials (401) to a PermanentError twilio_auth naming the variables to check', async () => {
    const { provider } = await setup({ authToken: 'wrong-token' });
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('twilio_auth');
    expect(error.message).toContain('TWILIO_AUTH_TOKEN');
  });

  it('maps nothing listening to a retriable provider_unreachable', async () => {
    const provider = createTwilioSmsProvider({
      accountSid: `AC${'0'.repeat(32)}`,
      authToken: 'token',
      from: FROM,
      apiBaseUrl: `http://127.0.0.1:${await freePort()}`,
      maxSegments: 3,
      logger: testLogger(),
    });
    cleanups.push(async () => provider.close?.());
    const error = await sendError(provider);
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as RetriableError).code).toBe('provider_unreachable');
    expect(error.message).toContain('ECONNREFUSED');
    expectNoPhone(error);
  });

  it('maps no answer within timeoutMs to a retriable provider_unreachable', async () => {
    const { server, provider } = await setup({ timeoutMs: 300 });
    server.hangNext();
    const started = Date.now();
    const error = await sendError(provider);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as RetriableError).code).toBe('provider_unreachable');
    expect(error.message).toContain('ETIMEDOUT');
  });

  it.each([['4155550123'], ['+1 415 555 0123'], ['not a number']])('refuses %p as invalid_phone_number before any request', async (to) => {
    const { server, provider } = await setup();
    const error = await sendError(provider, outbound('sms', [to]));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('invalid_phone_number');
    expect(error.message).not.toContain(to);
    expect(error.message).toContain("fix the user's phone");
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a body over maxSegments as sms_too_long before any request', async () => {
    const { server, provider } = await setup({ maxSegments: 2 });
    const message = outbound('sms', [PHONE]);
    message.content.text = 'x'.repeat(307);
    const error = await sendError(provider, message);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('sms_too_long');
    expect(error.message).toContain('3 GSM-7 segments');
    expect(error.message).toContain('limit of 2');
    expect(error.message).toContain('channels.sms.maxSegments');
    expect(error.message).not.toContain('xxx');
    expect(server.requests).toHaveLength(0);
  });
});
