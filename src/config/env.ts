import { z } from 'zod';
import { ConfigError } from '../shared/errors';

/** A comma-separated list, each item trimmed, blanks dropped. */
const commaList = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** The two lanes a worker process can consume (HERALD_LANES). */
export const LANES = ['intake', 'bulk'] as const;

/** One lane: `intake` (the incoming topic) or `bulk` (the bulk lane's topic). */
export type Lane = (typeof LANES)[number];

/**
 * Every environment variable herald reads, declared once and validated at start-up.
 * Nothing else in the code base reads `process.env`: modules receive the parsed {@link Env}.
 */
export const envSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform(commaList)
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port')).min(1))
    .describe('Kafka brokers, a comma-separated `host:port` list. The default is the local stack (`npm run stack:up`).'),
  KAFKA_GROUP_ID: z.string().min(1).default('herald-workers').describe("Consumer group of the workers (the bulk lane's group is `<it>.bulk`)."),
  REDIS_URL: z
    .string()
    .url()
    .default('redis://127.0.0.1:6379')
    .describe(
      'Redis connection URL. With `REDIS_CLUSTER_NODES` set, only its username, password and scheme (`rediss:` for TLS) are used, ' +
        'for every node of the cluster.',
    ),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform(commaList)
    .pipe(
      z
        .array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each cluster node must be host:port, such as 127.0.0.1:7001'))
        .min(1, 'list at least one cluster node as host:port'),
    )
    .optional()
    .describe(
      'Comma-separated `host:port` seed nodes of a Redis Cluster (any masters; the client discovers the rest). Set, herald talks to the cluster instead of ' +
        'the one Redis at `REDIS_URL`. Default: unset.',
    ),
  HERALD_LANES: z
    .string()
    .default('intake,bulk')
    .transform(commaList)
    .pipe(
      z
        .array(z.enum(LANES, { error: (issue) => `"${String(issue.input)}" is not a lane; use intake, bulk or intake,bulk` }))
        .min(1, 'name at least one lane: intake, bulk or intake,bulk')
        .refine((lanes) => new Set(lanes).size === lanes.length, 'name each lane once'),
    )
    .describe(
      'Lanes this process consumes, comma-separated: `intake` (the incoming topic: fast-lane events, and the forward of the rest) and `bulk` (the bulk ' +
        "lane's topic). Default `intake,bulk`, both. Run processes with `intake` beside processes with `bulk` so that a saturated bulk lane never " +
        'shares an event loop with critical events; every deployment needs at least one process of each lane.',
    ),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('Port of the HTTP API; 0 picks a free port.'),
  HERALD_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use letters, digits, dot, dash or underscore')
    .default('herald')
    .describe('Prefix of every Redis key, so several herald deployments can share one Redis: 1 to 64 letters, digits, dots, dashes or underscores.'),
  HERALD_API_KEYS: z
    .string()
    .default('')
    .transform(commaList)
    .describe('Comma-separated bearer API keys accepted by the HTTP API. Empty (the default) refuses every `/api` call.'),
  HERALD_CONFIG: z
    .string()
    .min(1)
    .optional()
    .describe('Path of a config file (JSON, or a JS/TS module) that replaces `config/notification-config.ts`. Default: unset, the bundled file.'),
  OUTBOX_DIR: z.string().min(1).default('./outbox').describe('Where the local sinks write `.eml`, SMS and push files.'),
  SMTP_URL: z.string().url().optional().describe('SMTP URL (`smtp://user:pass@host:port`). Default: unset, and email goes to the outbox.'),
  EMAIL_FROM: z.string().min(3).default('Herald <herald@localhost>').describe('Sender address of emails.'),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio account SID is AC followed by 32 hex digits')
    .optional()
    .describe('Twilio account SID (`AC…`); with `TWILIO_AUTH_TOKEN` and `TWILIO_FROM` it makes SMS go through Twilio instead of the outbox. Default: unset.'),
  TWILIO_AUTH_TOKEN: z
    .string()
    .min(16, 'the Twilio auth token is at least 16 characters')
    .optional()
    .describe('Twilio auth token: authenticates API calls and verifies X-Twilio-Signature on status callbacks. Default: unset.'),
  TWILIO_FROM: z
    .string()
    .regex(/^(\+[1-9]\d{7,14}|MG[0-9a-fA-F]{32})$/, 'use an E.164 number such as +14155550100 or a messaging service SID MG…')
    .optional()
    .describe('Sender of SMS: an E.164 number (+14155550100) or a messaging service SID (MG…). Default: unset.'),
  TWILIO_API_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Base URL of a Twilio-compatible API used instead of https://api.twilio.com (gateways, tests). Default: unset, Twilio itself.'),
  HERALD_PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'Public base URL of this herald (https://herald.example.com): Twilio status callbacks are sent to `<it>/webhooks/twilio/status` and their signatures ' +
        'are checked against it. Default: unset, no callbacks.',
    ),
  GOOGLE_APPLICATION_CREDENTIALS: z
    .string()
    .min(1)
    .optional()
    .describe('Service-account JSON file for firebase-admin; setting it makes push go through FCM instead of the outbox. Default: unset.'),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional().describe("Firebase project id. Default: the service account's `project_id`."),
  HERALD_WEBHOOK_SECRETS: z
    .string()
    .default('')
    .transform(commaList)
    .describe(
      'Webhook signing secrets (`whsec_<base64>`), comma-separated: one, or the new then the old while rotating (herald signs with both). Required when ' +
        '`channels.webhook` lists endpoints or users.',
    ),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, error: "use the base URL of the collector's OTLP/HTTP receiver, such as http://otel-collector:4318" })
    .optional()
    .describe(
      "Base URL of an OpenTelemetry collector's OTLP/HTTP receiver (`http://otel-collector:4318`): spans are sent as JSON to `<it>/v1/traces`. " +
        'Default: unset, tracing is off.',
    ),
  OTEL_SERVICE_NAME: z.string().min(1).optional().describe('`service.name` of the spans herald exports. Default: `herald` (applied when tracing starts).'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info').describe('Level of the winston JSON logs.'),
});

/** The parsed environment. */
export type Env = z.infer<typeof envSchema>;

const TWILIO_VARS = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const;

/** Variables that only make sense together. */
function crossCheck(env: Env): string[] {
  const problems: string[] = [];
  const set = TWILIO_VARS.filter((v) => env[v] !== undefined);
  if (set.length > 0 && set.length < TWILIO_VARS.length) {
    const missing = TWILIO_VARS.filter((v) => env[v] === undefined);
    problems.push(`  ${missing.join(', ')}: Twilio needs ${TWILIO_VARS.join(', ')} together; set ${missing.join(' and ')} or unset ${set.join(' and ')}`);
  }
  const database = new URL(env.REDIS_URL).pathname.replace(/^\//, '');
  if (env.REDIS_CLUSTER_NODES && database !== '' && database !== '0') {
    problems.push(
      `  REDIS_URL: selects database ${database}, but a Redis Cluster has only database 0; drop the /${database} (with REDIS_CLUSTER_NODES set, REDIS_URL ` +
        `gives only credentials and TLS)`,
    );
  }
  return problems;
}

/**
 * Parses the environment (defaults to `process.env`).
 * @throws ConfigError naming each bad variable and what it expects.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const blanksRemoved = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(blanksRemoved);
  const lines = parsed.success ? crossCheck(parsed.data) : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  if (parsed.success && lines.length === 0) return parsed.data;
  throw new ConfigError(`Invalid environment:\n${lines.join('\n')}\nFix the variables above and start again.`);
}
