import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { ConfigError } from '../shared/errors';
import { configProblemsOf, formatConfigProblem, type ConfigProblem } from './config-problems';
import { configSchema, type HeraldConfig } from './schema';

/** Formats each problem as `path: problem` (and its fix) so the person editing the file finds the field. */
export function explain(file: string, problems: readonly ConfigProblem[]): string {
  return (
    `Invalid configuration in ${file}:\n${problems.map(formatConfigProblem).join('\n')}\nFix the fields above; see docs/configuration.md for ` +
    `every field and its default.`
  );
}

/**
 * Validates a config object against the schema (templates are compiled by `loadConfig` in
 * src/service/load-config.ts: checking them needs the renderer, a layer above the config).
 * @throws ConfigError that lists every problem with its path and fix.
 */
export function parseConfig(raw: unknown, source = 'config'): HeraldConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(explain(source, configProblemsOf(result.error.issues)));
  return result.data;
}

/** Reads a config file's content: JSON, or a module's default export. */
export async function readConfigFile(file: string): Promise<unknown> {
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
