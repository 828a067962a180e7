import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { parseWebhookSecrets, signWebhook } from '../../../src/channels/webhook-signature';
import { WebhookVerificationError, verifyWebhook } from '../../../src/client/verify-webhook';
import { ConfigError } from '../../../src/shared/errors';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const body = JSON.stringify({ type: 'notification', id: 'evt-1|user-1|webhook', payload: { host: 'db-1', note: 'café ✓' } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The reason verifyWebhook refused with, or 'accepted'. */
function outcome(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
}

describe('webhook signatures', () => {
  it('round-trips: what herald signs, verifyWebhook accepts and parses', () => {
    const secret = newSecret();
    const headers = signWebhook({ id: 'msg-1', timestamp: nowSeconds(), body, secrets: [secret] });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWebhook({ headers, body, secrets: secret })).toEqual(JSON.parse(body));
    expect(verifyWebhook({ headers, body: Buffer.from(body), secrets: [secret] })).toEqual(JSON.parse(body));
  });

  it('signs with both secrets while rotating, so a receiver holding either accepts', () => {
    const [fresh, old] = [newSecret(), newSecret()];
    const headers = signWebhook({ id: 'msg-2', timestamp: nowSeconds(), body, secrets: [fresh, old] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(outcome(() => verifyWebhook({ headers, body, secrets: fresh }))).toBe('accepted');
    expect(outcome(() => verifyWebhook({ headers, body, secrets: old }))).toBe('accepted');
    expect(outcome(() => verifyWebhook({ headers, body, secrets: [newSecret(), old] }))).toBe('accepted');
    expect(outcome(() => verifyWebhook({ headers, body, secrets: newSecret() }))).toBe('invalid_signature');
  });

  it('refuses a tampered body, id or timestamp', () => {
    const secret = newSecret();
    const ts = nowSeconds();
    const headers = signWebhook({ id: 'msg-3', timestamp: ts, body, secrets: [secret] });
    expect(outcome(() => verifyWebhook({ headers, body: body.replace('db-1', 'db-2'), secrets: secret }))).toBe('invalid_signature');
    expect(outcome(() => verifyWebhook({ headers: { ...headers, 'webhook-id': 'msg-4' }, body, secrets: secret }))).toBe('invalid_signature');
    expect(outcome(() => verifyWebhook({ headers: { ...headers, 'webhook-timestamp': String(ts - 1) }, body, secrets: secret }))).toBe('invalid_signature');
    expect(outcome(() => verifyWebhook({ headers: { ...headers, 'webhook-signature': 'v2,abc v1,' }, body, secrets: secret }))).toBe('invalid_signature');
  });

  it('refuses timestamps outside the tolerance, either way', () => {
    const secret = newSecret();
    const now = new Date('2026-03-01T10:00:00Z');
    const at = (offsetSeconds: number) => signWebhook({ id: 'msg-5', timestamp: now.getTime() / 1000 + offsetSeconds, body, secrets: [secret] });
    expect(outcome(() => verifyWebhook({ headers: at(-301), body, secrets: secret, now }))).toBe('timestamp_too_old');
    expect(outcome(() => verifyWebhook({ headers: at(301), body, secrets: secret, now }))).toBe('timestamp_in_future');
    expect(outcome(() => verifyWebhook({ headers: at(-300), body, secrets: secret, now }))).toBe('accepted');
    expect(outcome(() => verifyWebhook({ headers: at(-60), body, secrets: secret, now, toleranceSeconds: 30 }))).toBe('timestamp_too_old');
  });

  it('refuses missing or malformed headers, and finds headers whatever their case or container', () => {
    const secret = newSecret();
    const headers = signWebhook({ id: 'msg-6', timestamp: nowSeconds(), body, secrets: [secret] });
    const { 'webhook-signature': _dropped, ...unsigned } = headers;
    expect(outcome(() => verifyWebhook({ headers: unsigned, body, secrets: secret }))).toBe('missing_headers');
    expect(outcome(() => verifyWebhook({ headers: { ...headers, 'webhook-timestamp': 'yesterday' }, body, secrets: secret }))).toBe('missing_headers');
    const shouting = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(outcome(() => verifyWebhook({ headers: shouting, body, secrets: secret }))).toBe('accepted');
    expect(outcome(() => verifyWebhook({ headers: new Headers(headers), body, secrets: secret }))).toBe('accepted');
  });

  it('uses a secret without the whsec_ prefix as raw bytes', () => {
    const raw = 'a-raw-secret-of-enough-length';
    const headers = signWebhook({ id: 'msg-7', timestamp: nowSeconds(), body, secrets: [raw] });
    expect(outcome(() => verifyWebhook({ headers, body, secrets: raw }))).toBe('accepted');
    expect(outcome(() => verifyWebhook({ headers, body, secrets: `whsec_${Buffer.from(raw).toString('base64')}` }))).toBe('accepted');
  });

  it('stops on malformed secrets with a ConfigError naming HERALD_WEBHOOK_SECRETS, without echoing them', () => {
    const bad = [[], [newSecret(), newSecret(), newSecret()], ['whsec_not base64!'], ['whsec_'], ['short'], [`whsec_${randomBytes(8).toString('base64')}`]];
    for (const secrets of bad) {
      let error: unknown;
      try {
        parseWebhookSecrets(secrets);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^HERALD_WEBHOOK_SECRETS .*whsec_<base64/);
      for (const secret of secrets.filter((s) => s.length > 'whsec_'.length)) expect((error as Error).message).not.toContain(secret);
    }
    expect(() => signWebhook({ id: 'x', timestamp: 1, body, secrets: ['short'] })).toThrow(ConfigError);
  });

  describe('against the official standardwebhooks package', () => {
    it('accepts what herald signs', () => {
      const secret = newSecret();
      const headers = signWebhook({ id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f1W', timestamp: nowSeconds(), body, secrets: [secret] });
      expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    });

    it('accepts what herald signs during a rotation, with either secret', () => {
      const [fresh, old] = [newSecret(), newSecret()];
      const headers = signWebhook({ id: 'msg-8', timestamp: nowSeconds(), body, secrets: [fresh, old] });
      expect(new Webhook(fresh).verify(body, { ...headers })).toEqual(JSON.parse(body));
      expect(new Webhook(old).verify(body, { ...headers })).toEqual(JSON.parse(body));
      expect(() => new Webhook(fresh).verify(body.replace('db-1', 'db-2'), { ...headers })).toThrow('No matching signature');
    });

    it('is accepted by verifyWebhook when it signs', () => {
      const secret = newSecret();
      const now = new Date();
      const official = new Webhook(secret);
      const headers = {
        'webhook-id': 'msg-9',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': official.sign('msg-9', now, body),
      };
      expect(verifyWebhook({ headers, body, secrets: secret, now })).toEqual(JSON.parse(body));
      expect(headers['webhook-signature']).toBe(signWebhook({ id: 'msg-9', timestamp: now.getTime() / 1000, body, secrets: [secret] })['webhook-signature']);
    });
  });
});
