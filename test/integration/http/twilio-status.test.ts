import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { twilioStatusRoutes, type TwilioStatusUpdate } from '../../../src/http/routes/twilio-status';
import { testLogger, freePort } from '../../support/infra';
import { sendStatusCallback } from '../../support/twilio-server';


const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const SID = `SM${'ab'.repeat(16)}`;

describe('POST /webhooks/twilio/status', () => {
  let app: FastifyInstance;
  let localUrl: string;
  let applied: TwilioStatusUpdate[];
  let outcome: 'applied' | 'duplicate' | 'unknown';

  /** Starts a bare app with only the route, listening on `port` (0: any free port). */
  async function start(publicUrl: string, port = 0) {
    app = Fastify();
    twilioStatusRoutes(app, {
      authToken: AUTH_TOKEN,
      publicUrl,
      logger: testLogger(),
      // A recording port, standing in for the delivery store.
      apply: async (update) => {
        applied.push(update);
        return outcome;
      },
    });
    await app.listen({ port, host: '127.0.0.1' });
    localUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }

  beforeEach(() => {
    applied = [];
    outcome = 'applied';
  });
  afterEach(async () => {
    await app?.close();
  });

  // Most tests sign for the public URL and post to the local address, as through a proxy.
  const PUBLIC = 'https://herald.example.test';
  const callbackUrl = `${PUBLIC}/webhooks/twilio/status`;
  const post = (params: Record<string, string>, extra: Partial<Parameters<typeof sendStatusCallback>[0]> = {}) =>
    sendStatusCallback({ url: callbackUrl, postTo: `${localUrl}/webhooks/twilio/status`, authToken: AUTH_TOKEN, params, ...extra });

  it('applies a signed delivered report and answers 204', async () => {
    await start(PUBLIC);
    const res = await post({ MessageSid: SID, MessageStatus: 'delivered', AccountSid: `AC${'0'.repeat(32)}`, To: '+14155550123' });
    expect(res.status).toBe(204);
    expect(applied).toEqual([{ messageSid: SID, status: 'delivered' }]);
  });

  it('verifies against the URL Twilio called when herald listens on it directly', async () => {
    const port = await freePort();
    await start(`http://127.0.0.1:${port}/`, port);
    const url = `${localUrl}/webhooks/twilio/status`;
    const res = await sendStatusCallback({ url, authToken: AUTH_TOKEN, params: { MessageSid: SID, MessageStatus: 'delivered' } });
    expect(res.status).toBe(204);
    expect(applied).toHaveLength(1);
  });

  it('signs the query string too', async () => {
    await start(PUBLIC);
    const res = await sendStatusCallback({
      url: `${callbackUrl}?tenant=a`,
      postTo: `${localUrl}/webhooks/twilio/status?tenant=a`,
      authToken: AUTH_TOKEN,
      params: { MessageSid: SID, MessageStatus: 'failed' },
    });
    expect(res.status).toBe(204);
    expect(applied).toEqual([{ messageSid: SID, status: 'failed' }]);
  });

  it('maps undelivered with ErrorCode 30003 to failed with the code', async () => {
    await start(PUBLIC);
    const res = await post({ MessageSid: SID, MessageStatus: 'undelivered', ErrorCode: '30003' });
    expect(res.status).toBe(204);
    expect(applied).toEqual([{ messageSid: SID, status: 'failed', errorCode: '30003' }]);
  });

  it.each(['queued', 'sending', 'sent', 'accepted', 'scheduled'])('answers 204 to the intermediate status %s without applying it', async (status) => {
    await start(PUBLIC);
    const res = await post({ MessageSid: SID, MessageStatus: status });
    expect(res.status).toBe(204);
    expect(applied).toEqual([]);
  });

  it.each(['unknown', 'duplicate'] as const)('answers 204 when apply reports %s, so Twilio does not send it again', async (result) => {
    await start(PUBLIC);
    outcome = result;
    const res = await post({ MessageSid: SID, MessageStatus: 'delivered' });
    expect(res.status).toBe(204);
    expect(applied).toHaveLength(1);
  });

  it('refuses a parameter changed after signing with 403 invalid_signature', async () => {
    await start(PUBLIC);
    const res = await post({ MessageSid: SID, MessageStatus: 'delivered' }, { signedParams: { MessageSid: SID, MessageStatus: 'failed' } });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_signature', message: expect.stringContaining('TWILIO_AUTH_TOKEN') });
    expect(applied).toEqual([]);
  });

  it('refuses a report signed with another auth token', async () => {
    await start(PUBLIC);
    const res = await post({ MessageSid: SID, MessageStatus: 'delivered' }, { authToken: 'some-other-token' });
    expect(res.status).toBe(403);
    expect(applied).toEqual([]);
  });

  it('refuses an unsigned report', async () => {
    await start(PUBLIC);
    const res = await post({ MessageSid: SID, MessageStatus: 'delivered' }, { unsigned: true });
    expect(res.status).toBe(403);
    expect(applied).toEqual([]);
  });

  it('refuses a report signed for another URL', async () => {
    await start(PUBLIC);
    const res = await post({ MessageSid: SID, MessageStatus: 'delivered' }, { url: 'https://attacker.example.test/webhooks/twilio/status' });
    expect(res.status).toBe(403);
    expect(applied).toEqual([]);
  });
});
