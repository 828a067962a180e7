import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookProvider, type WebhookProviderOptions } from '../../../src/channels/webhook-http';
import { verifyWebhook } from '../../../src/client/verify-webhook';
import type { Clock } from '../../../src/shared/clock';
import { ConfigError, HeraldError, PermanentError, RetriableError } from '../../../src/shared/errors';
import { testLogger } from '../../support/infra';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';
import { outbound } from './support';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
// A token in the query string, as partners often configure: it must never appear in an error.
const TOKEN = 'tok-s3cr3t-9f2c';

describe('webhook provider', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  // The receiver is local: these tests turn the private-address guard off, the ones at the end keep it on.
  const provider = (overrides: Partial<WebhookProviderOptions> = {}) =>
    createWebhookProvider({ secrets: [secret], logger: testLogger(), allowPrivateAddresses: true, ...overrides });
  const endpoint = () => receiver.url(`/hooks/herald?token=${TOKEN}`);

  /** The error a send fails with, after checking it keeps the URL's query out of its message. */
  async function failure(send: Promise<unknown>): Promise<HeraldError> {
    const error = await send.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HeraldError);
    expect((error as Error).message).not.toContain(TOKEN);
    expect((error as Error).message).not.toContain('?');
    return error as HeraldError;
  }

  it('POSTs a signed JSON body the receiver can verify, and reports it delivered', async () => {
    const message = outbound('webhook', [endpoint()], { locale: 'fr-FR' });
    const result = await provider().send(message);

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(`/hooks/herald?token=${TOKEN}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe('herald-webhooks/1');
    expect(request!.headers['webhook-id']).toBe(message.idempotencyKey);
    expect(Number(request!.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(result).toEqual({ providerMessageId: message.idempotencyKey, delivered: true });

    expect(verifyWebhook({ headers: request!.headers, body: request!.body, secrets: secret })).toEqual({
      type: 'notification',
      id: message.deliveryId,
      eventId: message.eventId,
      recipientId: message.recipientId,
      eventType: 'alert',
      priority: 'high',
      createdAt: '2026-03-01T10:00:00.000Z',
      locale: 'fr-FR',
      title: 'Disk full',
      subject: 'Disk <almost> full',
      text: 'Free some space & retry',
      payload: { host: 'db-1' },
    });
  });

  it('keeps the webhook-id across retries and signs each attempt at its own time', async () => {
    let now = Date.UTC(2026, 2, 1, 10, 0, 0);
    const clock: Clock = { now: () => now };
    const message = outbound('webhook', [endpoint()]);
    const webhooks = provider({ clock });
    await webhooks.send(message);
    now += 90_000;
    await webhooks.send(message);

    const [first, second] = receiver.requests;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(Number(second!.headers['webhook-timestamp']) - Number(first!.headers['webhook-timestamp'])).toBe(90);
    expect(verifyWebhook({ headers: second!.headers, body: second!.body, secrets: secret, now: new Date(now) })).toMatchObject({ id: message.deliveryId });
  });

  it('signs with both secrets during a rotation', async () => {
    const old = `whsec_${randomBytes(32).toString('base64')}`;
    await provider({ secrets: [secret, old] }).send(outbound('webhook', [endpoint()]));
    const [request] = receiver.requests;
    expect(verifyWebhook({ headers: request!.headers, body: request!.body, secrets: old })).toMatchObject({ type: 'notification' });
  });

  it('percent-encodes an idempotency key a header cannot carry, stably', async () => {
    const message = outbound('webhook', [endpoint()], { idempotencyKey: 'évt 1|user-1|webhook' });
    const result = await provider().send(message);
    expect(result.providerMessageId).toBe('%C3%A9vt%201|user-1|webhook');
    expect(receiver.requests[0]!.headers['webhook-id']).toBe('%C3%A9vt%201|user-1|webhook');
  });

  it('sends user info in the URL as Basic auth, and keeps it out of errors', async () => {
    const withUser = receiver.url(`/hooks/herald?token=${TOKEN}`).replace('http://', `http://partner:${TOKEN}@`);
    await provider().send(outbound('webhook', [withUser]));
    expect(receiver.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`partner:${TOKEN}`).toString('base64')}`);

    receiver.failNext(500);
    const error = await failure(provider().send(outbound('webhook', [withUser])));
    expect(error.message).not.toContain('partner');
  });

  it('retries a 503', async () => {
    receiver.failNext(503);
    const error = await failure(provider().send(outbound('webhook', [endpoint()])));
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe('http_503');
    expect(error.message).toContain(`webhook endpoint ${receiver.url('/hooks/herald')}`);
  });

  it('retries a 429 after the Retry-After the receiver asked for', async () => {
    receiver.reply(429, { 'retry-after': '2' });
    const error = await failure(provider().send(outbound('webhook', [endpoint()])));
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe('rate_limited');
    expect((error as RetriableError).retryAfterMs).toBe(2000);
  });

  it('gives up on 410 Gone and says to remove the endpoint', async () => {
    receiver.reply(410);
    const error = await failure(provider().send(outbound('webhook', [endpoint()])));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.code).toBe('webhook_gone');
    expect(error.message).toMatch(/remove the endpoint/);
  });

  it('gives up on another 4xx', async () => {
    receiver.reply(400);
    const error = await failure(provider().send(outbound('webhook', [endpoint()])));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.code).toBe('http_400');
  });

  it('does not follow a redirect and says to configure the final URL', async () => {
    receiver.reply(302, { location: `/elsewhere?token=${TOKEN}` });
    const error = await failure(provider().send(outbound('webhook', [endpoint()])));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.code).toBe('webhook_redirect');
    expect(error.message).toContain(`to ${receiver.url('/elsewhere')};`);
    expect(error.message).toMatch(/configure the final URL/);
    expect(receiver.requests).toHaveLength(1);
  });

  it('retries when nothing listens on the port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await failure(provider().send(outbound('webhook', [`http://127.0.0.1:${port}/hook?token=${TOKEN}`])));
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe('provider_unreachable');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('retries when the receiver does not answer in time', async () => {
    receiver.hangNext();
    const started = Date.now();
    const error = await failure(provider({ timeoutMs: 300 }).send(outbound('webhook', [endpoint()])));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe('provider_unreachable');
    expect(error.message).toContain('ETIMEDOUT');
  });

  it('refuses a message without exactly one http(s) URL, without retrying', async () => {
    for (const to of [[], [endpoint(), endpoint()], [`ftp://example.com/?token=${TOKEN}`], [`not a url ${TOKEN}`]]) {
      const error = await failure(provider().send(outbound('webhook', to)));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.code).toBe('webhook_invalid_target');
    }
    expect(receiver.requests).toHaveLength(0);
  });

  describe('with allowPrivateAddresses off (the default)', () => {
    const guarded = () => createWebhookProvider({ secrets: [secret], logger: testLogger() });
    const port = () => new URL(receiver.url()).port;

    it.each([
      ['127.0.0.1', (p: string) => `http://127.0.0.1:${p}/hooks/herald?token=${TOKEN}`, 'is 127.0.0.1, a loopback (127.0.0.0/8)'],
      [
        'localhost, resolved when connecting',
        (p: string) => `http://localhost:${p}/hooks/herald?token=${TOKEN}`,
        'resolves to 127.0.0.1, a loopback (127.0.0.0/8)',
      ],
      ['IPv4-mapped IPv6 [::ffff:127.0.0.1]', (p: string) => `http://[::ffff:127.0.0.1]:${p}/hooks/herald?token=${TOKEN}`, 'a loopback (127.0.0.0/8)'],
      ['the decimal form 2130706433', (p: string) => `http://2130706433:${p}/hooks/herald?token=${TOKEN}`, 'is 127.0.0.1, a loopback (127.0.0.0/8)'],
      ['[::1]', (p: string) => `http://[::1]:${p}/hooks/herald?token=${TOKEN}`, 'a loopback (::1)'],
      ['0.0.0.0', (p: string) => `http://0.0.0.0:${p}/hooks/herald?token=${TOKEN}`, 'a this-host (0.0.0.0/8)'],
    ])('never reaches a receiver at %s: a permanent webhook_private_address naming the switch', async (_label, url, says) => {
      const error = await failure(guarded().send(outbound('webhook', [url(port())])));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.code).toBe('webhook_private_address');
      expect(error.message).toContain(says);
      expect(error.message).toContain('set channels.webhook.allowPrivateAddresses to true');
      expect(receiver.requests).toHaveLength(0);
    });

    it('sends as before once the switch is on', async () => {
      const local = createWebhookProvider({ secrets: [secret], logger: testLogger(), allowPrivateAddresses: true });
      for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '2130706433']) {
        expect(await local.send(outbound('webhook', [`http://${host}:${port()}/hooks/herald`]))).toMatchObject({ delivered: true });
      }
      expect(receiver.requests).toHaveLength(4);
    });
  });

  it('refuses malformed secrets at construction', () => {
    expect(() => provider({ secrets: ['whsec_%%%'] })).toThrow(ConfigError);
    expect(() => provider({ secrets: [] })).toThrow(/HERALD_WEBHOOK_SECRETS/);
  });
});
