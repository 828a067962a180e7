import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildProviders, closeProviders } from '../../../src/channels/build-providers';
import { readInbox } from '../../../src/channels/in-app';
import { parseConfig } from '../../../src/config/load-config';
import { loadEnv } from '../../../src/env';
import { createKeys } from '../../../src/redis/keys';
import { scriptsDir } from '../../../src/redis/commands';
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

  const build = (vars: Record<string, string>) =>
    buildProviders({
      env: loadEnv({ OUTBOX_DIR: outboxDir, ...vars }),
      config: parseConfig({ channels: { in_app: { inboxCap: 5 } } }),
      redis: env.redis,
      keys: createKeys(env.prefix),
      logger: testLogger(),
    });

  it('uses the outbox for email without SMTP_URL, Redis for in-app and outbox sinks for sms and push', async () => {
    const providers = build({});
    expect(Object.fromEntries(Object.entries(providers).map(([channel, p]) => [channel, p.id]))).toEqual({
      email: 'email-outbox',
      in_app: 'in-app',
      sms: 'sms-outbox',
      push: 'push-outbox',
    });
    for (const [channel, provider] of Object.entries(providers)) expect(provider.channel).toBe(channel);

    const userId = uniqueName('user');
    await providers.in_app.send(outbound('in_app', [userId]));
    await providers.email.send(outbound('email', ['bob@example.test']));
    expect(await readInbox(env.redis, createKeys(env.prefix), userId, 10)).toHaveLength(1);
    expect(await readdir(path.join(outboxDir, 'email'))).toHaveLength(1);
    await closeProviders(providers);
  });

  it('uses SMTP when SMTP_URL is set and closes its pool', async () => {
    const providers = build({ SMTP_URL: 'smtp://127.0.0.1:2525' });
    expect(providers.email.id).toBe('smtp');
    await expect(closeProviders(providers)).resolves.toBeUndefined();
  });
});

describe('scriptsDir', () => {
  it('finds src/redis/scripts from the source tree and from a compiled dist/ tree', () => {
    const fromSource = scriptsDir();
    expect(fromSource.endsWith(path.join('src', 'redis', 'scripts'))).toBe(true);
    expect(scriptsDir(path.join(fromSource, '..', '..', '..', 'dist', 'src', 'redis'))).toBe(fromSource);
  });
});
