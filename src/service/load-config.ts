import path from 'node:path';
import bundledConfig from '../../config/notification-config';
import { configProblemsOf, type ConfigProblem } from '../config/config-problems';
import { explain, readConfigFile } from '../config/load-config';
import { configSchema, type HeraldConfig } from '../config/schema';
import { checkTemplates } from '../rendering/check-templates';
import { ConfigError } from '../shared/errors';

/*
 * The config as the service and `herald config check` accept it: the schema (src/config) and every
 * template compiling and rendering (src/rendering). Here, above both, so that neither imports the other.
 */

/** Every problem of a config object: schema, cross-field checks, then templates that do not compile or render. */
export function configProblems(raw: unknown): { config: HeraldConfig | null; problems: ConfigProblem[] } {
  const result = configSchema.safeParse(raw);
  if (!result.success) return { config: null, problems: configProblemsOf(result.error.issues) };
  const templates = checkTemplates(result.data).map((t) => ({ path: t.path, problem: t.message, fix: '' }));
  return { config: templates.length === 0 ? result.data : null, problems: templates };
}

/** Like {@link parseConfig}, and the templates must compile and render: what the service and `herald config check` accept. */
export function checkConfig(raw: unknown, source = 'config'): HeraldConfig {
  const { config, problems } = configProblems(raw);
  if (!config) throw new ConfigError(explain(source, problems));
  return config;
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
