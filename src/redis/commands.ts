import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster, Redis } from 'ioredis';

/**
 * The Redis herald talks to: one server, or a Redis Cluster (REDIS_CLUSTER_NODES). Every store takes
 * this type; keys.ts's hash tags keep each script's and transaction's keys in one slot either way.
 */
export type RedisClient = Redis | Cluster;

/** Runs one loaded Lua script: its KEYS, then its ARGV. */
export type ScriptRunner = (keys: string[], args: (string | number)[]) => Promise<unknown>;

const SCRIPTS_SUBDIR = path.join('src', 'redis', 'scripts');
const luaCache = new Map<string, string>();
const defined = new WeakMap<object, Set<string>>();

/**
 * The folder holding the `.lua` files. They are not compiled, so the same folder serves both
 * ts-jest/tsx (running from `src/redis`) and the build (running from `dist/src/redis`): walk up
 * from this module to the first ancestor that contains `src/redis/scripts`.
 */
export function scriptsDir(from = __dirname): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, SCRIPTS_SUBDIR);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find ${SCRIPTS_SUBDIR} above ${from}; ship the src/redis/scripts folder with the build.`);
    dir = parent;
  }
}

function readLua(name: string): string {
  let lua = luaCache.get(name);
  if (lua === undefined) {
    lua = readFileSync(path.join(scriptsDir(), `${name}.lua`), 'utf8');
    luaCache.set(name, lua);
  }
  return lua;
}

/**
 * Registers `src/redis/scripts/<name>.lua` on a client with `defineCommand` (once per client;
 * ioredis then sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH) and returns a
 * function that runs it.
 * @param name file name without `.lua`, e.g. `inbox-push`.
 * @param numberOfKeys how many of the arguments are KEYS (the script header lists them).
 */
export function loadScript(redis: RedisClient, name: string, numberOfKeys: number): ScriptRunner {
  const command = `herald_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
  let names = defined.get(redis);
  if (!names) {
    names = new Set();
    defined.set(redis, names);
  }
  if (!names.has(command)) {
    redis.defineCommand(command, { lua: readLua(name), numberOfKeys });
    names.add(command);
  }
  const run = (redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>)[command];
  if (!run) throw new Error(`ioredis did not define the command ${command} for script ${name}.lua`);
  return (keys, args) => run.call(redis, ...keys, ...args);
}
