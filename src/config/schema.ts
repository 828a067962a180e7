import { z } from 'zod';
import { CHANNELS, EVENT_TYPES, PRIORITIES } from '../contract/event-v1';
import { Cron } from 'croner';

const positiveInt = z.number().int().positive();

const rateLimitSchema = z
  .object({
    /** Sustained requests per second allowed for the channel, shared by all workers. */
    perSecond: z.number().positive(),
    /** Requests allowed at once above the sustained rate. Default: equal to `perSecond`. */
    burst: positiveInt.optional(),
  })
  .strict();

const channelSchema = z
  .object({
    /** Whether the channel delivers at all. A disabled channel records deliveries as `skipped`. Default true. */
    enabled: z.boolean().default(true),
    /** Shared rate limit. Default: unlimited. */
    rateLimit: rateLimitSchema.optional(),
    /** Most deliveries of this channel sent concurrently by one worker. Default 10. */
    batchSize: positiveInt.default(10),
    /** Attempts per delivery (first try included) before it is dead-lettered. Default 3. */
    maxAttempts: positiveInt.max(20).default(3),
    /** In-app only: inbox entries kept per user, oldest dropped first. Default 100. */
    inboxCap: positiveInt.max(10_000).default(100),
  })
  .strict();

const cronExpression = z.string().refine(
  (expr) => {
    try {
      new Cron(expr, { paused: true }).stop();
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid cron expression; use five fields like "*/5 * * * *" (or six with seconds first)' },
);

const templateSchema = z
  .object({
    /** Email subject; Handlebars with the payload as data. */
    subject: z.string().optional(),
    /** Plain-text body for email, SMS, push and in-app. */
    text: z.string().optional(),
    /** HTML body for email; values are HTML-escaped. Default: `text` wrapped in <p>. */
    html: z.string().optional(),
    /** Title for push and in-app. Default: `subject`. */
    title: z.string().optional(),
  })
  .strict();

const channelTemplates = z.partialRecord(z.enum(CHANNELS), templateSchema);

/** The zod declaration of `config/notification-config.ts`; the type below is inferred from it. */
export const configSchema = z
  .object({
    kafka: z
      .object({
        /** Client id reported to the broker. Default `herald`. */
        clientId: z.string().min(1).default('herald'),
        /** Topic names. Defaults: notifications.incoming, notifications.dlq, notifications.status. */
        topics: z
          .object({
            incoming: z.string().min(1).default('notifications.incoming'),
            dlq: z.string().min(1).default('notifications.dlq'),
            status: z.string().min(1).default('notifications.status'),
          })
          .strict()
          .prefault({}),
        /** Partitions of topics herald creates when missing. Default 6. */
        partitions: positiveInt.max(1000).default(6),
        /** Replication factor of topics herald creates. Default 1 (single broker); use 3 in production. */
        replicationFactor: positiveInt.max(10).default(1),
        /** Partitions one worker handles at the same time. Default 3. */
        partitionsConsumedConcurrently: positiveInt.max(100).default(3),
        /** Consumer session timeout in ms. Default 30000. */
        sessionTimeoutMs: positiveInt.default(30_000),
      })
      .strict()
      .prefault({}),
    dedup: z
      .object({
        /** How long an event's deduplication key is remembered, in seconds. Default 86400 (24 h). */
        ttlSeconds: positiveInt.default(86_400),
        /** How long a delivery's send lease lasts before another worker may take it over, in ms. Default 60000. */
        sendLeaseMs: positiveInt.default(60_000),
      })
      .strict()
      .prefault({}),
    deliveryState: z
      .object({
        /** How long delivery state stays queryable, in seconds. Default 604800 (7 days). */
        retentionSeconds: positiveInt.default(604_800),
      })
      .strict()
      .prefault({}),
    channels: z
      .object({
        email: channelSchema.prefault({}),
        sms: channelSchema.prefault({}),
        push: channelSchema.prefault({}),
        in_app: channelSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    batching: z
      .object({
        /** Cron schedule of the digest flush. Default every 5 minutes. */
        schedule: cronExpression.default('*/5 * * * *'),
        /** Most items in one digest; the rest wait for the next flush. Default 50. */
        maxBatch: positiveInt.max(1000).default(50),
        /** Channels whose `normal`/`low` deliveries are batched. Default `["email"]`. */
        channels: z.array(z.enum(CHANNELS)).default(['email']),
        /** Priorities that may be batched (those also allowed under `priorities`). Default normal, low. */
        priorities: z.array(z.enum(PRIORITIES)).default(['normal', 'low']),
        /** How long a flush may hold a claimed batch before another worker takes it over, in ms. Default 120000. */
        claimLeaseMs: positiveInt.default(120_000),
      })
      .strict()
      .prefault({}),
    priorities: z
      .record(
        z.enum(PRIORITIES),
        z
          .object({
            /** Latency budget from `createdAt` to send, in ms (used by alerts and metrics). */
            maxLatencyMs: positiveInt,
            /** Whether deliveries of this priority may wait for a digest. */
            batchingAllowed: z.boolean(),
          })
          .strict(),
      )
      .default({
        critical: { maxLatencyMs: 5_000, batchingAllowed: false },
        high: { maxLatencyMs: 30_000, batchingAllowed: false },
        normal: { maxLatencyMs: 600_000, batchingAllowed: true },
        low: { maxLatencyMs: 3_600_000, batchingAllowed: true },
      }),
    /** Templates by name (an event's `template`, else its `type`), then by channel. */
    templates: z.record(z.string().min(1), channelTemplates).default({}),
    /** Digest template per channel; `items` holds the rendered entries. */
    digestTemplates: channelTemplates.default({}),
    shutdown: z
      .object({
        /** Longest a SIGTERM shutdown may take before the process exits anyway, in ms. Default 15000. */
        timeoutMs: positiveInt.default(15_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const p of config.batching.priorities) {
      if (!config.priorities[p].batchingAllowed) {
        ctx.addIssue({
          code: 'custom',
          path: ['batching', 'priorities'],
          message: `priority "${p}" is listed for batching but priorities.${p}.batchingAllowed is false; remove it or allow batching`,
        });
      }
    }
  });

/** The validated configuration every module receives. */
export type HeraldConfig = z.infer<typeof configSchema>;
/** What a config file may contain: everything optional that has a default. */
export type HeraldConfigInput = z.input<typeof configSchema>;

/** Identity helper that gives a config file autocompletion and type errors in the editor. */
export function defineConfig(config: HeraldConfigInput): HeraldConfigInput {
  return config;
}

export { EVENT_TYPES };
