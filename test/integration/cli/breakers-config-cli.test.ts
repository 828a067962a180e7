import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { HeraldProducer } from '../../../src/client/herald-producer';
import type { HeraldConfigInput } from '../../../src/config/schema';
import { createKeys } from '../../../src/redis/keys';
import { eventually, TEST_REDIS_URL, testKafka, uniqueName } from '../../support/infra';
import { runHerald, startHeraldForCli } from '../../support/run-herald';
import { api, type TestService } from '../../support/service-harness';

/** `herald breakers` reads every worker's heartbeat; `herald config check` explains a config's mistakes. Real processes. */
describe('herald breakers', () => {
  let herald: TestService;
  let redis: Redis;
  let cliEnv: Record<string, string>;
  const input: HeraldConfigInput = {
    kafka: { partitions: 1 },
    // Nothing listens on port 1: every send fails retriably, and two failures open the breaker for a minute.
    channels: { email: { breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } } },
    heartbeat: { intervalMs: 500 },
  };

  beforeAll(async () => {
    ({ herald, cliEnv } = await startHeraldForCli('breakers', input, { SMTP_URL: 'smtp://127.0.0.1:1' }));
    redis = new Redis(TEST_REDIS_URL);
  });

  afterAll(async () => {
    await herald?.stop();
    await redis?.quit();
  });

  it('all closed: one row per provider of the live worker, exit 0', async () => {
    const run = await runHerald(['breakers'], cliEnv);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CHANNEL\s+PROVIDER\s+STATE\s+SINCE\s+TRIAL AT\s+WORKER$/);
    expect(lines.find((l) => l.startsWith('email'))).toMatch(/^email\s+smtp\s+closed\s+\S+\s+-\s+\S+/);
    expect(run.stderr).toContain('1 live worker; every breaker closed');
  });

  it('an open breaker shows with its trial time, at once (not at the next heartbeat), and exits 1', async () => {
    const producer = new HeraldProducer({ kafka: testKafka(), topic: herald.config.kafka.topics.incoming });
    await producer.connect();
    const user = uniqueName('user');
    expect((await api(herald.service, 'PUT', `/api/users/${user}`, { email: `${user}@example.com` })).status).toBe(200);
    for (let i = 0; i < 3; i++)
      await producer.publish({ type: 'alert', priority: 'critical', recipients: [user], channels: ['email'], payload: { title: 'Disk', message: 'full' } });
    await producer.disconnect();
    const open = await eventually(
      async () => {
        const run = await runHerald(['breakers', '--json'], cliEnv);
        const rows = run.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
        const email = rows.find((r) => r.channel === 'email' && r.provider === 'smtp');
        return email?.state === 'open' ? { run, email } : undefined;
      },
      'the email breaker to show as open',
      30_000,
    );
    expect(open.run.code).toBe(1);
    expect(Date.parse(open.email.trialAt) - Date.now()).toBeGreaterThan(30_000);
    expect(open.run.stderr).toContain('1 breaker not closed: see docs/runbook.md#heraldbreakeropen');
  });

  it('a worker whose heartbeat stopped (killed) is marked gone and its breakers do not count', async () => {
    const keys = createKeys(herald.prefix);
    const old = new Date(Date.now() - 60_000).toISOString();
    const dead = {
      owner: 'killed-worker',
      host: 'h',
      pid: 1,
      groupId: 'g',
      url: 'http://x',
      startedAt: old,
      seenAt: old,
      breakers: [{ channel: 'sms', provider: 'twilio', state: 'open', since: old }],
    };
    await redis.hset(keys.workers(), 'killed-worker', JSON.stringify(dead));
    const run = await runHerald(['breakers'], cliEnv);
    expect(run.stdout).toMatch(/sms\s+twilio\s+open \(gone\)\s+.*killed-worker \(last seen /);
    expect(run.stderr).toMatch(/1 live worker, 1 gone/);
    await redis.hdel(keys.workers(), 'killed-worker');
  });

  it('no worker ever reported under this prefix: exit 3 with what to check', async () => {
    const run = await runHerald(['breakers'], { ...cliEnv, HERALD_REDIS_PREFIX: uniqueName('nobody') });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no worker has reported');
  });

  it('a stopped worker removes its heartbeat', async () => {
    const keys = createKeys(herald.prefix);
    expect(await redis.hlen(keys.workers())).toBe(1);
    await herald.stop();
    expect(await redis.hlen(keys.workers())).toBe(0);
    herald = undefined as unknown as TestService;
  });
});

describe('herald config check', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-config-check-'));
  const file = (basename: string, content: string) => {
    const at = path.join(dir, basename);
    writeFileSync(at, content);
    return at;
  };

  it('the bundled config is valid: exit 0 and a one-line summary', async () => {
    const run = await runHerald(['config', 'check']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^config\/notification-config\.ts is valid: \d+ templates, \d+ digest rules?, topics notifications\.incoming/);
  });

  it('prints every problem of a file with its path and a fix, and exits 1', async () => {
    const broken = file(
      'broken.json',
      JSON.stringify({
        kafka: { partitions: 0, topcis: {} },
        channels: { email: { strategy: 'random' } },
        templates: { welcome: { email: { subject: '{{#if x}}Hi', text: 'ok' } } },
      }),
    );
    const run = await runHerald(['config', 'check', broken]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${broken} has 3 problems:`);
    expect(run.stdout).toContain('  kafka.partitions: Too small: expected number to be >0\n    fix: use a value > 0');
    expect(run.stdout).toContain('  kafka.topcis: unknown field "topcis"\n    fix: remove it or check its spelling');
    expect(run.stdout).toMatch(/ {2}channels\.email\.strategy: .*\n {4}fix: use one of: "fallback", "round-robin"/);
    expect(run.stdout).toContain('Fix them and run "herald config check" again; docs/configuration.md documents every field and its default.');
  });

  it('reports broken templates once the schema passes, as start-up would', async () => {
    const run = await runHerald([
      'config',
      'check',
      file('templates.json', JSON.stringify({ templates: { welcome: { email: { subject: '{{#if x}}Hi', text: 'ok' } } } })),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/templates\.welcome\.email\.subject: Template "welcome" .* does not compile/);
  });

  it('checks a TypeScript config module, and HERALD_CONFIG when no file is given', async () => {
    const ts = file('herald.config.ts', "export default { kafka: { partitions: 'three' } };\n");
    const run = await runHerald(['config', 'check'], { HERALD_CONFIG: ts });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('kafka.partitions: Invalid input: expected number, received string\n    fix: set it to a number');
  });

  it('a file that cannot be read: exit 1, naming it', async () => {
    const run = await runHerald(['config', 'check', path.join(dir, 'missing.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot load .*missing\.json: .*ENOENT.*check the path/);
    const json = await runHerald(['config', 'check', file('bad.json', '{ nope')]);
    expect(json.code).toBe(1);
    expect(json.stderr).toContain('is not valid JSON');
  });

  it('--version and --help exit 0; an unknown command exits 2', async () => {
    const version = await runHerald(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await runHerald(['dlq', 'replay', '--help'])).stdout).toContain('--dry-run');
    const unknown = await runHerald(['purge']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'purge'");
  });
});
