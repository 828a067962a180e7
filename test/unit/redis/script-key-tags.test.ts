import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scriptsDir } from '../../../src/redis/commands';
import { createKeys } from '../../../src/redis/keys';

/**
 * Static audit for Redis Cluster: a Lua script may touch only keys of one slot, so every key
 * builder its header names (KEYS, and keys it derives from an ARGV) must give the same hash tag
 * for the same ids. test/integration/scale-out runs the scripts themselves on a real cluster.
 */
const keys = createKeys('herald') as unknown as Record<string, (...ids: unknown[]) => string>;
/** The same ids for every builder, as one script's call site passes one event, user, group or channel. */
const SAMPLE_IDS = ['id-a', 1_700_000_000_000, 'id-c'];
const tagOf = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];

/** The comment block a script starts with: `--` lines, or a `--[[ … ]]` block. */
function headerOf(lua: string): string {
  if (lua.startsWith('--[[')) return lua.slice(0, lua.indexOf(']]'));
  const lines = lua.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('--'));
  return lines.slice(0, end < 0 ? lines.length : end).join('\n');
}

const scripts = readdirSync(scriptsDir()).filter((f) => f.endsWith('.lua'));

describe('hash tags of the keys each Lua script touches', () => {
  it('finds the scripts', () => {
    expect(scripts.length).toBeGreaterThan(20);
  });

  it.each(scripts)('%s names its keys builders, and they share one hash tag', (file) => {
    const header = headerOf(readFileSync(path.join(scriptsDir(), file), 'utf8'));
    expect(header).toMatch(/KEYS\[/);
    const builders = [...new Set([...header.matchAll(/\bkeys\.(\w+)/g)].map((m) => m[1]!))];
    expect(builders.length).toBeGreaterThan(0);
    for (const name of builders) expect({ name, builds: typeof keys[name] }).toEqual({ name, builds: 'function' });
    const tags = new Set(builders.map((name) => tagOf(keys[name]!(...SAMPLE_IDS))));
    expect({ builders, tags: [...tags] }).toEqual({ builders, tags: [expect.any(String)] });
  });

  it('puts a hash tag in every key, so a cluster routes each by its tag alone', () => {
    for (const [name, build] of Object.entries(keys)) expect({ name, tag: tagOf(build(...SAMPLE_IDS)) }).toEqual({ name, tag: expect.any(String) });
  });
});
