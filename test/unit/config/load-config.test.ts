import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/service/load-config';
import { ConfigError } from '../../../src/shared/errors';

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'herald-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, content: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  }

  it('loads the bundled config when no file is given', async () => {
    const config = await loadConfig();
    expect(config.templates).toHaveProperty('password-reset');
  });

  it('loads a JSON file by path and applies the defaults', async () => {
    const file = write('herald.json', JSON.stringify({ kafka: { topics: { incoming: 'team.incoming' } }, channels: { sms: { enabled: false } } }));
    const config = await loadConfig(file);
    expect(config.kafka.topics).toEqual({
      incoming: 'team.incoming',
      dlq: 'notifications.dlq',
      status: 'notifications.status',
      bulk: 'notifications.incoming.bulk',
    });
    expect(config.channels.sms.enabled).toBe(false);
  });

  it('loads a JS module (module.exports)', async () => {
    const file = write('herald.cjs', 'module.exports = { shutdown: { timeoutMs: 2000 } };');
    expect((await loadConfig(file)).shutdown.timeoutMs).toBe(2000);
  });

  it('loads a JS module (default export)', async () => {
    const file = write('herald-default.cjs', 'exports.default = { dedup: { ttlSeconds: 60 } };');
    expect((await loadConfig(file)).dedup.ttlSeconds).toBe(60);
  });

  it('names the missing file and says to check the path', async () => {
    const file = path.join(dir, 'missing.json');
    const error = await loadConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^Cannot load config file ${escape(file)} \\(from HERALD_CONFIG\\): .*ENOENT.*Check the path\\.$`));
  });

  it('names a missing module the same way', async () => {
    const error = await loadConfig(path.join(dir, 'missing.js')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/Cannot load config file .*missing\.js.*Check the path\./);
  });

  it('says a file is not valid JSON, with the parser message', async () => {
    const file = write('broken.json', '{ "kafka": { "partitions": 3, } }');
    const error = await loadConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^Config file ${escape(file)} is not valid JSON: .+`));
  });

  it('names the file and field of valid JSON with a bad value', async () => {
    const file = write('bad-value.json', JSON.stringify({ channels: { email: { maxAttempts: 0 } } }));
    const error = await loadConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`Invalid configuration in ${file}:`);
    expect((error as Error).message).toMatch(/channels\.email\.maxAttempts: /);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
