import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
// The webhooks module alone, as the route imports it.
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { LIMITS } from '../../../src/contract/limits';
import { createReportClaims } from '../../../src/delivery-state/report-claims';
import { createErrorHandler } from '../../../src/http/error-handler';
import { twilioStatusRoutes, type TwilioStatusUpdate } from '../../../src/http/routes/twilio-status';
import type { Logger } from '../../../src/shared/logger';
import { createKeys } from '../../../src/redis/keys';
import { captureLogger } from '../../support/capture-logger';
import { eventually, freePort, testLogger, testRedis } from '../../support/infra';
import { startThrowawayRedis } from '../../support/throwaway-redis';
import { sendStatusCallback } from '../../support/twilio-server';

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const SID = `SM${'ab'.repeat(16)}`;
const PHONE = '+14155550123';

describe('POST /webhooks/twilio/status', () => {
  let app: FastifyInstance;
  let localUrl: string;
  let redis: ReturnType<typeof testRedis>;
  let applied: TwilioStatusUpdate[];
  let outcome: 'applied' | 'duplicate' | 'unknown';
  /** What the next `apply` calls do before recording: throw (a store failure) or wait (a slow store). */
  let beforeApply: (() => Promise<void>)[];

  /** Starts a bare app with only the route (and herald's error handler), listening on `port` (0: any free port). */
  async function start(publicUrl: string, port = 0, options: { claimsRedis?: Redis; logger?: Logger } = {}) {
    app = Fastify();
    app.setErrorHandler(createErrorHandler(options.logger ?? testLogger(), LIMITS.maxEventBytes));
    twilioStatusRoutes(app, {
      authToken: AUTH_TOKEN,
      publicUrl,
      logger: options.logger ?? testLogger(),
      // A recording port, standing in for the delivery store.
      apply: async (update) => {
        await beforeApply.shift()?.();
        applied.push(update);
        return outcome;
      },
      // The real ledger on a real Redis, under this test's own prefix.
      claims: createReportClaims({ redis: options.claimsRedis ?? redis.redis, keys: createKeys(redis.prefix), retentionSeconds: 3600 }),
    });
    await app.listen({ port, host: '127.0.0.1' });
    localUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }

  beforeEach(() => {
    applied = [];
    outcome = 'applied';
    beforeApply = [];
    redis = testRedis();
  });
  afterEach(async () => {
    await app?.close();
    await redis.cleanup();
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

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'answers 204 to a status named like a prototype property (%s) without applying it',
    async (status) => {
      await start(PUBLIC);
      const res = await post({ MessageSid: SID, MessageStatus: status });
      expect(res.status).toBe(204);
      expect(applied).toEqual([]);
    },
  );

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

  it('answers 413 payload_too_large naming its own 16 KiB limit for an oversize callback, and applies nothing', async () => {
    await start(PUBLIC);
    const res = await post({ MessageSid: SID, MessageStatus: 'delivered', Body: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'payload_too_large', message: expect.stringContaining(String(16 * 1024)) });
    expect(applied).toEqual([]);
  });

  describe('replays (a signature has no timestamp: each signed report is applied once)', () => {
    const report = { MessageSid: SID, MessageStatus: 'delivered', AccountSid: `AC${'0'.repeat(32)}`, From: '+14155550100', To: PHONE };

    it('answers the same signed report again with 403 replayed_signature, applies it once, and logs no number or signature', async () => {
      const logs = captureLogger();
      await start(PUBLIC, 0, { logger: logs.logger });

      expect((await post(report)).status).toBe(204);
      const replay = await post(report);

      expect(replay.status).toBe(403);
      expect(JSON.parse(replay.body)).toMatchObject({ error: 'replayed_signature', message: expect.stringContaining('applies each signed report once') });
      expect(applied).toEqual([{ messageSid: SID, status: 'delivered' }]);
      expect(logs.lines().filter((l) => l.reason === 'replayed_signature')).toEqual([
        expect.objectContaining({ level: 'warn', message: 'twilio status callback refused', providerMessageId: SID, status: 'delivered' }),
      ]);
      const signature = getExpectedTwilioSignature(AUTH_TOKEN, callbackUrl, report);
      expect(logs.text()).not.toContain(signature);
      for (const digits of [PHONE, PHONE.slice(1), PHONE.slice(2), report.From.slice(1)]) expect(logs.text()).not.toContain(digits);
    });

    it('applies another status of the same message (new content, new signature), and refuses each one replayed', async () => {
      await start(PUBLIC);
      const undelivered = { ...report, MessageStatus: 'undelivered', ErrorCode: '30003' };

      expect((await post(undelivered)).status).toBe(204);
      expect((await post(report)).status).toBe(204);
      expect((await post(undelivered)).status).toBe(403);
      expect((await post(report)).status).toBe(403);
      expect(applied).toEqual([
        { messageSid: SID, status: 'failed', errorCode: '30003' },
        { messageSid: SID, status: 'delivered' },
      ]);
    });

    it('tells apart the same fields signed for two URLs (the query string is signed too)', async () => {
      await start(PUBLIC);
      const to = (query: string) =>
        sendStatusCallback({ url: `${callbackUrl}${query}`, postTo: `${localUrl}/webhooks/twilio/status${query}`, authToken: AUTH_TOKEN, params: report });

      expect((await to('?tenant=a')).status).toBe(204);
      expect((await to('?tenant=b')).status).toBe(204);
      expect((await to('?tenant=a')).status).toBe(403);
      expect(applied).toHaveLength(2);
    });

    it('gives the claim back when applying fails (5xx), so Twilio sending the same report again applies it', async () => {
      await start(PUBLIC);
      beforeApply.push(async () => {
        throw new Error('delivery store unreachable');
      });

      const failed = await post(report);
      expect(failed.status).toBe(500);
      expect(JSON.parse(failed.body)).toMatchObject({ error: 'internal_error' });
      expect(applied).toEqual([]);

      expect((await post(report)).status).toBe(204);
      expect(applied).toEqual([{ messageSid: SID, status: 'delivered' }]);
      expect((await post(report)).status).toBe(403);
    });

    it('answers 503 report_in_progress to the same report while another request is applying it', async () => {
      await start(PUBLIC);
      let entered!: () => void;
      let resume!: () => void;
      const inApply = new Promise<void>((resolve) => (entered = resolve));
      const held = new Promise<void>((resolve) => (resume = resolve));
      beforeApply.push(async () => {
        entered();
        await held;
      });

      const first = post(report);
      await inApply;
      const concurrent = await post(report);
      resume();

      expect(concurrent.status).toBe(503);
      expect(JSON.parse(concurrent.body)).toMatchObject({ error: 'report_in_progress', retryable: true });
      expect((await first).status).toBe(204);
      expect(applied).toHaveLength(1);
      expect((await post(report)).status).toBe(403);
    });

    it('answers 503 while Redis is unreachable, applying nothing, and applies the report once Redis is back', async () => {
      const throwaway = await startThrowawayRedis();
      // Connected as the service connects (start-service.ts).
      const client = new Redis(throwaway.url, { maxRetriesPerRequest: 3, enableOfflineQueue: true });
      client.on('error', () => undefined);
      try {
        await start(PUBLIC, 0, { claimsRedis: client });
        await throwaway.kill();

        const down = await post(report);
        expect(down.status).toBe(503);
        expect(JSON.parse(down.body)).toMatchObject({
          error: 'temporarily_unavailable',
          retryable: true,
          message: expect.stringContaining('Twilio sends it again'),
        });
        expect(applied).toEqual([]);

        await throwaway.restart();
        await eventually(async () => (await post(report)).status === 204, 'the report to be applied once Redis is back');
        expect(applied).toEqual([{ messageSid: SID, status: 'delivered' }]);
        expect((await post(report)).status).toBe(403);
      } finally {
        client.disconnect();
        await throwaway.kill();
      }
    });
  });
});
