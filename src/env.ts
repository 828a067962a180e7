import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * Every environment variable herald reads, declared once and validated at start-up.
 * Nothing else in the code base reads `process.env`: modules receive the parsed {@link Env}.
 */
const envSchema = z.object({
  /** Comma-separated `host:port` list. Default `127.0.0.1:9092` (the local stack). */
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((v) => v.split(',').map((b) => b.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port')).min(1)),
  /** Consumer group of the workers. Default `herald-workers`. */
  KAFKA_GROUP_ID: z.string().min(1).default('herald-workers'),
  /** Redis connection URL. Default `redis://127.0.0.1:6379`. */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Port of the HTTP API. Default 8080; 0 picks a free port. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Prefix of every Redis key, so several herald deployments can share one Redis. Default `herald`. */
  HERALD_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use letters, digits, dot, dash or underscore').default('herald'),
  /** Comma-separated bearer API keys accepted by the HTTP API. Empty means every `/api` call is refused. */
  HERALD_API_KEYS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean)),
  /** Path of a config file (JSON or JS/TS module) that replaces `config/notification-config.ts`. */
  HERALD_CONFIG: z.string().min(1).optional(),
  /** Where the local sinks write `.eml`, SMS and push files. Default `./outbox`. */
  OUTBOX_DIR: z.string().min(1).default('./outbox'),
  /** SMTP URL (`smtp://user:pass@host:port`); when unset, email goes to the outbox. */
  SMTP_URL: z.string().url().optional(),
  /** Sender address of emails. Default `herald@localhost`. */
  EMAIL_FROM: z.string().min(3).default('Herald <herald@localhost>'),
  /** winston level: error, warn, info, debug. Default `info`. */
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
});

/** The parsed environment. */
export type Env = z.infer<typeof envSchema>;

/**
 * Parses the environment (defaults to `process.env`).
 * @throws ConfigError naming each bad variable and what it expects.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const blanksRemoved = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(blanksRemoved);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`Invalid environment:\n${lines.join('\n')}\nFix the variables above and start again.`);
}
