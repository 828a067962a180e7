import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import bundledConfig from '../../config/notification-config';
import { ConfigError } from '../errors';
import { configSchema, type HeraldConfig } from './schema';

/** Formats each zod issue as `path: message` so the person editing the file finds the field. */
function explain(file: string, issues: { path: PropertyKey[]; message: string }[]): string {
  const lines = issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return `Invalid configuration in ${file}:\n${lines.join('\n')}\nFix the fields above; see README "Configuration" for every field and its default.`;
}

/**
 * Validates a config object.
 * @throws ConfigError that lists every problem with its path.
 */
export function parseConfig(raw: unknown, source = 'config'): HeraldConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(explain(source, result.error.issues));
  return result.data;
}

async function readRaw(file: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    const text = await readFile(file, 'utf8');
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`Config file ${file} is not valid JSON: ${(error as Error).message}`, error);
    }
  }
  // A module (.js, .cjs, .mjs; .ts under tsx): its default export, else module.exports, is the config.
  const mod = createRequire(__filename)(file) as { default?: unknown };
  return mod.default ?? mod;
}

/**
 * Loads and validates the config file: `HERALD_CONFIG` when given, else the bundled
 * `config/notification-config`. A missing file or invalid content stops start-up with a clear message.
 */
export async function loadConfig(file?: string): Promise<HeraldConfig> {
  if (!file) {
    return parseConfig(bundledConfig, 'config/notification-config.ts');
  }
  const resolved = path.resolve(file);
  let raw: unknown;
  try {
    raw = await readRaw(resolved);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`Cannot load config file ${resolved} (from HERALD_CONFIG): ${(error as Error).message}. Check the path.`, error);
  }
  return parseConfig(raw, resolved);
}
