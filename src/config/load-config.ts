import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import bundledConfig from '../../config/notification-config';
import { ConfigError } from '../shared/errors';
import { checkTemplates } from '../rendering/check-templates';
import { configProblemsOf, formatConfigProblem, type ConfigProblem } from './config-problems';
import { configSchema, type HeraldConfig } from './schema';

/** Formats each problem as `path: problem` (and its fix) so the person editing the file finds the field. */
function explain(file: string, problems: readonly ConfigProblem[]): string {
  return `Invalid configuration in ${file}:\n${problems.map(formatConfigProblem).join('\n')}\nFix the fields above; see README "Configuration" for every field and its default.`;
}

/** Every problem of a config object: schema, cross-field checks, then templates that do not compile or render. */
export function configProblems(raw: unknown): { config: HeraldConfig | null; problems: ConfigProblem[] } {
  const result = configSchema.safeParse(raw);
  if (!result.success) return { config: null, problems: configProblemsOf(result.error.issues) };
  const templates = checkTemplates(result.data).map((t) => ({ path: t.path, problem: t.message, fix: '' }));
  return { config: templates.length === 0 ? result.data : null, problems: templates };
}

/**
 * Validates a config object against the schema (templates are compiled by {@link loadConfig}).
 * @throws ConfigError that lists every problem with its path and fix.
 */
export function parseConfig(raw: unknown, source = 'config'): HeraldConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(explain(source, configProblemsOf(result.error.issues)));
  return result.data;
}

/** Like {@link parseConfig}, and the templates must compile and render: what the service and `herald config check` accept. */
export function checkConfig(raw: unknown, source = 'config'): HeraldConfig {
  const { config, problems } = configProblems(raw);
  if (!config) throw new ConfigError(explain(source, problems));
  return config;
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

/**
 * Loads and validates the config file (schema and templates): `HERALD_CONFIG` when given, else the bundled
 * `config/notification-config`. A missing file or invalid content stops start-up with a clear message.
 */
export async function loadConfig(file?: string): Promise<HeraldConfig> {
  if (!file) {
    return checkConfig(bundledConfig, 'config/notification-config.ts');
  }
  const resolved = path.resolve(file);
  let raw: unknown;
  try {
    raw = await readConfigFile(resolved);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`Cannot load config file ${resolved} (from HERALD_CONFIG): ${(error as Error).message}. Check the path.`, error);
  }
  return checkConfig(raw, resolved);
}
