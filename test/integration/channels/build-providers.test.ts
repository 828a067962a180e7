import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildProviders, closeProviders } from '../../../src/channels/build-providers';
import { readInbox } from '../../../src/channels/in-app';
import { parseConfig } from '../../../src/config/load-config';
import { loadEnv } from '../../../src/config/env';
import type { HeraldConfigInput } from '../../../src/config/schema';
import type { ProviderMap } from '../../../src/channels/types';
import { createKeys } from '../../../src/redis/keys';
import { scriptsDir } from '../../../src/redis/commands';
import { captureLogger } from '../../support/capture-logger';
import { testLogger, testRedis, uniqueName } from '../../support/infra';
import { outbound } from './support';

describe('buildProviders', () => {
  let env: ReturnType<typeof testRedis>;
  let outboxDir: string;
  beforeEach(async () => {
    env = testRedis();
    outboxDir = await mkdtemp(path.join(tmpdir(), 'herald-outbox-'));
  });
  afterEach(async () => {
    await env.cleanup();
    await rm(outboxDir, { recursive: true, force: true });
  });

  const build = (vars: Record<string, string>, channels: HeraldConfigInput['channels'] = {}) =>
    buildProviders({
      env: loadEnv({ OUTBOX_DIR: outboxDir, ...vars }),
      config: parseConfig({ channels: { in_app: { inboxCap: 5 }, ...channels } }),
      redis: env.redis,
      keys: createKeys(env.prefix),
      logger: testLogger(),
    });
  const ids = (providers: ProviderMap) => Object.fromEntries(Object.entries(providers).map(([channel, list]) => [channel, list.map((p) => p.id)]));

  it('logs the providers of every channel in one line that redaction leaves readable', async () => {
    const logs = captureLogger();
    buildProviders({ env: loadEnv({ OUTBOX_DIR: outboxDir }), config: parseConfig({}), redis: env.redis, keys: createKeys(env.prefix), logger: logs.logger });
    // Keyed by channel, the email provider's id sat under `email` and was logged as "[redacted]".
    expect(logs.lines().find((l) => l.message === 'channel providers built')).toMatchObject({
      providers: 'email=email-outbox sms=sms-outbox push=push-outbox in_app=in-app webhook=none',
    });
  });

  it('uses the outbox for email without SMTP_URL, Redis for in-app, outbox sinks for sms and push, no webhook without endpoints', async () => {
    const providers = build({});
    expect(ids(providers)).toEqual({ email: ['email-outbox'], in_app: ['in-app'], sms: ['sms-outbox'], push: ['push-outbox'], webhook: [] });
    for (const [channel, list] of Object.entries(providers)) for (const p of list) expect(p.channel).toBe(channel);
    expect(providers.email[0]!.breakerState()).toBe('closed');

    const userId = uniqueName('user');
    await providers.in_app[0]!.send(outbound('in_app', [userId]));
    await providers.email[0]!.send(outbound('email', ['bob@example.test']));
    expect(await readInbox(env.redis, createKeys(env.prefix), userId, 10)).toHaveLength(1);
    expect(await readdir(path.join(outboxDir, 'email'))).toHaveLength(1);
    await closeProviders(providers);
  });

  it('uses SMTP when SMTP_URL is set and closes its pool', async () => {
    const providers = build({ SMTP_URL: 'smtp://127.0.0.1:2525' });
    expect(providers.email.map((p) => p.id)).toEqual(['smtp']);
    await expect(closeProviders(providers)).resolves.toBeUndefined();
  });

  it('uses the real providers when their variables are set, in the order the config lists', async () => {
    const providers = build(
      {
        SMTP_URL: 'smtp://127.0.0.1:2525',
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'token-0123456789abcdef',
        TWILIO_FROM: '+14155550100',
        HERALD_WEBHOOK_SECRETS: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
      },
      { email: { providers: ['email-outbox', 'smtp'], strategy: 'round-robin' }, webhook: { endpoints: { acme: 'https://acme.example/hooks' } } },
    );
    expect(ids(providers)).toMatchObject({ email: ['email-outbox', 'smtp'], sms: ['twilio'], webhook: ['webhook'] });
    await closeProviders(providers);
  });

  it('refuses to start when the config lists a provider whose variables are missing, naming them', () => {
    expect(() => build({}, { sms: { providers: ['twilio'] } })).toThrow(/"twilio" but TWILIO_ACCOUNT_SID .* is not set/);
    expect(() => build({}, { webhook: { endpoints: { acme: 'https://acme.example/hooks' } } })).toThrow(/"webhook" but HERALD_WEBHOOK_SECRETS is not set/);
    expect(() => build({}, { email: { providers: ['smtp'] } })).toThrow(/SMTP_URL/);
  });

  it.each(['constructor', 'toString', '__proto__'])('refuses a provider id named like a prototype property (%s) even past the schema', (id) => {
    const config = parseConfig({});
    // The schema refuses unknown ids; a config built in code may skip it, and the factory map is the last line.
    config.channels.email.providers = [id];
    expect(() =>
      buildProviders({ env: loadEnv({ OUTBOX_DIR: outboxDir }), config, redis: env.redis, keys: createKeys(env.prefix), logger: testLogger() }),
    ).toThrow(`unknown email provider "${id}"`);
  });
});

describe('scriptsDir', () => {
  it('finds src/redis/scripts from the source tree and from a compiled dist/ tree', () => {
    const fromSource = scriptsDir();
    expect(fromSource.endsWith(path.join('src', 'redis', 'scripts'))).toBe(true);
    expect(scriptsDir(path.join(fromSource, '..', '..', '..', 'dist', 'src', 'redis'))).toBe(fromSource);
  });
});
