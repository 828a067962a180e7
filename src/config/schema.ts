import { z } from 'zod';
import { CHANNELS, EVENT_TYPES, PRIORITIES } from '../contract/event-v1';
import { Cron } from 'croner';
import { PROVIDER_IDS } from '../channels/types';

const positiveInt = z.number().int().positive();

const rateLimitSchema = z
  .object({
    /** Sustained requests per second, shared by all workers. Give this or `perMinute`. */
    perSecond: z.number().positive().optional(),
    /** Sustained requests per minute, shared by all workers. Give this or `perSecond`. */
    perMinute: z.number().positive().optional(),
    /** Requests allowed at once above the sustained rate. Default: one second's worth (at least 1). */
    burst: positiveInt.optional(),
  })
  .strict()
  .refine((r) => (r.perSecond === undefined) !== (r.perMinute === undefined), {
    message: 'give exactly one of perSecond or perMinute, e.g. { perSecond: 10 } or { perMinute: 600, burst: 20 }',
  });

/** A rate limit as configured. */
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;

const retrySchema = z
  .object({
    /** Cap of the first backoff window, in ms; each retry doubles it, the wait is a random point in it (full jitter). Default 1000. */
    baseDelayMs: positiveInt.default(1_000),
    /** Largest backoff window, in ms. A provider's Retry-After overrides it. Default 300000 (5 minutes). */
    maxDelayMs: positiveInt.default(300_000),
  })
  .strict()
  .refine((r) => r.baseDelayMs <= r.maxDelayMs, { message: 'baseDelayMs must not exceed maxDelayMs' });

const breakerSchema = z
  .object({
    /** Share of failed calls, in percent, in the rolling window that opens the breaker. Default 50. */
    errorThresholdPercentage: z.number().min(1).max(100).default(50),
    /** Calls in the rolling window before the breaker may open at all. Default 5. */
    volumeThreshold: positiveInt.default(5),
    /** Length of the rolling window, in ms. Default 10000. */
    rollingWindowMs: positiveInt.default(10_000),
    /** How long an open breaker waits before letting one trial call through (half-open), in ms. Default 30000. */
    resetTimeoutMs: positiveInt.default(30_000),
    /**
     * A provider call slower than this counts as failed and is retried, in ms: a backstop above each
     * provider's own timeout (SMTP, Twilio and webhooks give up sooner). Default 45000.
     */
    timeoutMs: positiveInt.default(45_000),
  })
  .strict()
  .prefault({});

const channelFields = {
  /** Whether the channel delivers at all. A disabled channel records deliveries as `skipped`. Default true. */
  enabled: z.boolean().default(true),
  /** Shared rate limit of each provider of the channel. Default: unlimited. */
  rateLimit: rateLimitSchema.optional(),
  /** Rate limit of one provider, by provider id, replacing `rateLimit` for it (e.g. `{ twilio: { perSecond: 1 } }`). */
  providerRateLimits: z.record(z.string(), rateLimitSchema).default({}),
  /** Most deliveries of this channel sent concurrently by one worker. Default 10. */
  batchSize: positiveInt.default(10),
  /** Attempts per delivery (first try included) before it is dead-lettered. Default 5. */
  maxAttempts: positiveInt.max(50).default(5),
  /**
   * Providers of the channel, in order, by id (see README "Providers"). Default: the real provider
   * when its environment variables are set, else the local outbox sink.
   */
  providers: z.array(z.string()).min(1).optional(),
  /** How several providers share the work: `fallback` (in order) or `round-robin` (turns shared by all workers). Default `fallback`. */
  strategy: z.enum(['fallback', 'round-robin']).default('fallback'),
  /** Backoff of the durable retries. */
  retry: retrySchema.prefault({}),
  /** Circuit breaker settings of each provider of the channel. */
  breaker: breakerSchema,
};

const channelSchema = z.object(channelFields).strict();

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://partner.example/hooks/herald' });

/** The channels block; each channel may add its own fields to the common ones. */
const channelsSchema = z
  .object({
    email: channelSchema.prefault({}),
    sms: z
      .object({
        ...channelFields,
        /** Most segments (160 GSM-7 / 70 UCS-2 characters each) one SMS may take; longer ones are refused before sending. Default 4. */
        maxSegments: positiveInt.max(10).default(4),
      })
      .strict()
      .prefault({}),
    push: channelSchema.prefault({}),
    in_app: z
      .object({
        ...channelFields,
        /** Inbox entries kept per user, oldest dropped first. Default 100. */
        inboxCap: positiveInt.max(10_000).default(100),
      })
      .strict()
      .prefault({}),
    webhook: z
      .object({
        ...channelFields,
        /** Partner endpoints by name; an event reaches one with the recipient `webhook:<name>`. Default none. */
        endpoints: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'endpoint names use letters, digits, dot, dash, underscore'), httpUrl).default({}),
        /** Per-user endpoints: user id → URL, used when an event for that user asks for `webhook`. Default none. */
        users: z.record(z.string().min(1), httpUrl).default({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

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
    channels: channelsSchema,
    retries: z
      .object({
        /** How often each worker looks for due retries, in ms. Default 500. */
        pollIntervalMs: positiveInt.max(60_000).default(500),
        /** How long a worker holds a claimed retry before another may take it over, in ms. Default 60000. */
        claimLeaseMs: positiveInt.default(60_000),
        /** Most due retries one worker claims per channel and poll. Default 50. */
        claimBatch: positiveInt.max(1_000).default(50),
        /** Longest a send waits in line for a rate-limit token before it is deferred to the retry store instead, in ms. Default 1000. */
        maxRateWaitMs: z.number().int().min(0).default(1_000),
        /**
         * Longest an event's partition waits for one delivery's first attempt, in ms. Past it the attempt
         * finishes in the background (a safety-net retry is stored first) and later events go on. Default 1000.
         */
        detachAfterMs: positiveInt.default(1_000),
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
    for (const channel of CHANNELS) {
      const settings = config.channels[channel];
      const known: readonly string[] = PROVIDER_IDS[channel];
      for (const [i, id] of (settings.providers ?? []).entries()) {
        if (!known.includes(id)) {
          ctx.addIssue({ code: 'custom', path: ['channels', channel, 'providers', i], message: `unknown ${channel} provider "${id}"; use one of ${known.join(', ')}` });
        }
      }
      if (new Set(settings.providers ?? []).size !== (settings.providers ?? []).length) {
        ctx.addIssue({ code: 'custom', path: ['channels', channel, 'providers'], message: 'a provider is listed twice; list each once' });
      }
      for (const id of Object.keys(settings.providerRateLimits)) {
        if (!known.includes(id)) {
          ctx.addIssue({ code: 'custom', path: ['channels', channel, 'providerRateLimits', id], message: `unknown ${channel} provider "${id}"; use one of ${known.join(', ')}` });
        }
      }
    }
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
