import { z } from 'zod';
import { CHANNELS, EVENT_TYPES, PRIORITIES } from '../contract/vocabulary';
import { Cron } from 'croner';
import { literalPrivateEndpoints } from '../shared/private-address';
import { PROVIDER_IDS } from './provider-ids';
import { durationSchema } from '../time/duration';
import { isIanaTimeZone, localeTag } from '../contract/tags';
import { httpSchema } from './http-schema';

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
     * A provider call slower than this counts as a failure towards opening the breaker, in ms. The
     * delivery still takes the call's own outcome (a late acceptance is sent, not retried into a
     * duplicate; a late failure keeps its own error, a 429's Retry-After or a refused address); each
     * provider's own timeout (SMTP, Twilio, webhooks) ends a hung call. Default 45000.
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
    push: z
      .object({
        ...channelFields,
        /** Longest push title, in characters; a longer one is cut with "…" (Android shows about 65). Default 65. */
        maxTitleLength: positiveInt.max(1000).default(65),
        /** Longest push body, in characters; a longer one is cut with "…". Default 240. */
        maxBodyLength: positiveInt.max(4000).default(240),
      })
      .strict()
      .prefault({}),
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
        /**
         * Send webhooks to loopback, private, link-local and other non-public addresses too (127/8, 10/8,
         * 172.16/12, 192.168/16, 169.254/16, 100.64/10, ::1, fc00::/7, fe80::/10…). Off, an endpoint whose
         * URL holds such an IP is refused here, and a delivery to a host resolving to one fails for good
         * (`webhook_private_address`) when connecting. Turn it on only for receivers on your own network. Default false.
         */
        allowPrivateAddresses: z.boolean().default(false),
      })
      .strict()
      .superRefine((webhook, ctx) => {
        for (const problem of literalPrivateEndpoints(webhook)) ctx.addIssue({ code: 'custom', ...problem });
      })
      .prefault({}),
  })
  .strict()
  .prefault({});

const cronExpression = z.string().refine(
  (expr) => {
    try {
      const cron = new Cron(expr, { paused: true });
      // A pattern that never fires (30 February) would leave its digests waiting forever.
      const fires = cron.nextRun() !== null;
      cron.stop();
      return fires;
    } catch {
      return false;
    }
  },
  { message: 'not a valid cron expression that ever fires; use five fields like "*/5 * * * *" (or six with seconds first)' },
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

/**
 * The templates of one name: a template per channel (the default locale's), and per locale the
 * channels that locale overrides. A delivery in `fr-CA` looks for `locales["fr-CA"]`, then
 * `locales.fr`, then the channel template itself.
 */
const templateSetSchema = z
  .object({
    email: templateSchema.optional(),
    sms: templateSchema.optional(),
    push: templateSchema.optional(),
    in_app: templateSchema.optional(),
    webhook: templateSchema.optional(),
    /** Translations: locale → channel → template. */
    locales: z.record(localeTag, channelTemplates).default({}),
  })
  .strict();

/** A slug used in Redis keys and metrics: letters, digits, dot, dash, underscore. */
const slug = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use 1 to 64 letters, digits, dot, dash or underscore');

const ianaTimeZone = z.string().refine(isIanaTimeZone, { message: 'not an IANA time zone; use one such as Europe/Paris or UTC' });

/** When a digest window closes: every fixed interval, or at the times of a cron expression. */
const digestWindowSchema = z
  .object({
    /** Fixed windows of this length, aligned to the Unix epoch (e.g. "15m": :00, :15, :30, :45 UTC). */
    every: durationSchema.optional(),
    /** Windows closing at each time of this cron expression, e.g. "0 9 * * *" for daily at 09:00. */
    cron: cronExpression.optional(),
    /** Time zone of `cron`: an IANA zone, or "recipient" for each recipient's own (their profile's `timeZone`). Default UTC. */
    timeZone: z.union([z.literal('recipient'), ianaTimeZone]).default('UTC'),
  })
  .strict()
  .refine((w) => (w.every === undefined) !== (w.cron === undefined), {
    message: 'give exactly one of every or cron, e.g. { every: "15m" } or { cron: "0 9 * * *", timeZone: "recipient" }',
  });

/** One digest rule: which deliveries wait for a digest, how they group, when the window closes. */
const digestRuleSchema = z
  .object({
    /** Rule name, part of every digest id of the rule. Default `<channel>-<types or "all">`. */
    name: slug.optional(),
    /** Channel the rule batches. */
    channel: z.enum(CHANNELS),
    /** Event types it batches. Default every type. */
    types: z.array(z.enum(EVENT_TYPES)).min(1).optional(),
    /** Event categories it batches. Default every category. */
    categories: z.array(z.string().min(1)).min(1).optional(),
    /** Priorities it batches (each must allow batching under `priorities`). Default normal, low. */
    priorities: z.array(z.enum(PRIORITIES)).min(1).default(['normal', 'low']),
    /** When the window closes and the digest goes out. */
    window: digestWindowSchema,
    /** Besides recipient and channel, what separates digests: any of type, category, template. Default ["type"]. */
    groupBy: z.array(z.enum(['type', 'category', 'template'])).default(['type']),
    /** Most items listed in one digest. Default 50. */
    maxItems: positiveInt.max(1000).default(50),
    /**
     * Past `maxItems`: `summarize` sends one digest listing the oldest `maxItems` and counting the rest
     * (`{{more}}`); `split` sends as many digests as needed. Default summarize.
     */
    overflow: z.enum(['summarize', 'split']).default('summarize'),
    /** Template name (under `templates`) rendered with `{ items, count, more }`. Default `digestTemplates[channel]`, else a plain list. */
    template: z.string().min(1).optional(),
  })
  .strict();

/** A digest rule as configured, defaults filled. */
export type DigestRuleConfig = z.infer<typeof digestRuleSchema>;

/** One frequency cap: at most `max` matching events per recipient in any sliding `window`. */
const frequencyCapSchema = z
  .object({
    /** Cap name, part of its Redis key and metrics. */
    name: slug,
    /** Event types it counts. Default every type. */
    types: z.array(z.enum(EVENT_TYPES)).min(1).optional(),
    /** Event categories it counts. Default every category. */
    categories: z.array(z.string().min(1)).min(1).optional(),
    /** Channels it applies to. Default every channel. An event counts once however many channels it uses. */
    channels: z.array(z.enum(CHANNELS)).min(1).optional(),
    /** Most matching events per recipient in the window. */
    max: positiveInt,
    /** Length of the sliding window, e.g. "1d" or "1h". */
    window: durationSchema,
    /** Over the cap: `drop` (recorded `skipped`, reason `frequency_capped`) or `digest` (folded into the channel's next digest). Default drop. */
    onExceed: z.enum(['drop', 'digest']).default('drop'),
    /** Priorities never capped. Default critical. */
    bypassPriorities: z.array(z.enum(PRIORITIES)).default(['critical']),
  })
  .strict();

/** A frequency cap as configured, defaults filled. */
export type FrequencyCapConfig = z.infer<typeof frequencyCapSchema>;

const utmSchema = z
  .object({
    /** `utm_source`, e.g. "herald". */
    utm_source: z.string().min(1).max(100),
    /** `utm_medium`, e.g. "email" or "push". */
    utm_medium: z.string().min(1).max(100),
  })
  .strict();

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
            /** Lane of the priorities not in `fastLane`: forwarded here at intake, consumed by its own consumer group. */
            bulk: z.string().min(1).default('notifications.incoming.bulk'),
          })
          .strict()
          .prefault({}),
        /** Partitions of topics herald creates when missing. Default 6. */
        partitions: positiveInt.max(1000).default(6),
        /** Replication factor of topics herald creates. Default 1 (single broker); use 3 in production. */
        replicationFactor: positiveInt.max(10).default(1),
        /** Priorities handled straight from the incoming topic; the others are forwarded to `topics.bulk` and handled there, so a flood of them never delays these. Default critical, high. */
        fastLane: z.array(z.enum(PRIORITIES)).min(1).default(['critical', 'high']),
        /** Partitions one worker handles at the same time. Default 3. */
        partitionsConsumedConcurrently: positiveInt.max(100).default(3),
        /**
         * Deliveries (distinct recipients × channels) the messages of one partition may have in flight
         * between them; the messages run side by side, each key's in order (one recipient's events keep
         * their order), and one message with more deliveries than this runs alone. Default 128: 64
         * two-channel events to one recipient each. 1 handles a partition one message at a time.
         */
        deliveriesInFlight: positiveInt.max(10_000).default(128),
        /** Consumer session timeout in ms. Default 30000. */
        sessionTimeoutMs: positiveInt.default(30_000),
        /**
         * Failures in a row of the same kind, none of them Kafka or Redis being unreachable, after which a
         * valid event is dead-lettered (`handling_failed`) instead of retried in place again: no retry
         * cures a bug or a corrupt record, and waiting on it holds its partition. Default 5 (about 4 s).
         */
        maxHandlingFailures: positiveInt.max(1_000).default(5),
        /** A partition waiting on one message retried in place for longer than this (ms) makes `/readyz` answer 503 with where and why. Default 60000. */
        stuckAfterMs: positiveInt.default(60_000),
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
        /** Most due retries one worker claims per channel at once; it claims only for free slots of the channel's batchSize. Default 50. */
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
        /** How often each worker looks for digest windows that have closed, in ms. Default 1000. */
        pollIntervalMs: positiveInt.max(60_000).default(1_000),
        /**
         * Digest rules, first match wins. When empty (the default), one rule per channel in `channels`
         * is derived from `schedule`, `maxBatch` and `priorities` (cron in UTC, grouped by type).
         */
        rules: z.array(digestRuleSchema).default([]),
      })
      .strict()
      .prefault({}),
    scheduling: z
      .object({
        /** How often each worker looks for scheduled events (`sendAt`, `delay`) that are due, in ms. Default 500. */
        pollIntervalMs: positiveInt.max(60_000).default(500),
        /** How long a worker holds a due scheduled event before another may take it over, in ms. Default 60000. */
        claimLeaseMs: positiveInt.default(60_000),
        /** Most due scheduled events one worker takes per poll. Default 100. */
        claimBatch: positiveInt.max(1_000).default(100),
        /** Farthest ahead an event may be scheduled; later ones are refused (recorded `failed`, reason `send_at_too_far`). Default 365 days. */
        maxHorizon: durationSchema.default(365 * 86_400_000),
      })
      .strict()
      .prefault({}),
    quietHours: z
      .object({
        /** Channels that respect users' quiet hours. Default sms and push (the ones that wake people). */
        channels: z.array(z.enum(CHANNELS)).default(['sms', 'push']),
        /** Priorities that go through quiet hours. Default critical. */
        bypassPriorities: z.array(z.enum(PRIORITIES)).default(['critical']),
      })
      .strict()
      .prefault({}),
    /** Frequency caps, each counted per recipient in Redis, shared by all workers. Default none. */
    frequencyCaps: z.array(frequencyCapSchema).default([]),
    attribution: z
      .object({
        /** Tracking parameters added to links, per channel. A channel not listed keeps its links unchanged. Default none. */
        channels: z.partialRecord(z.enum(CHANNELS), utmSchema).default({}),
        /** Where `utm_campaign` comes from: the template name or the event type. Default template. */
        campaignFrom: z.enum(['template', 'type']).default('template'),
        /** Hosts whose links get parameters (subdomains included). Default every http(s) link. */
        domains: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .prefault({}),
    sweep: z
      .object({
        /** How often one worker (a Redis lock elects it) looks for stuck work, in ms. Default 60000. */
        intervalMs: positiveInt.default(60_000),
        /** A delivery still `pending` or `sending` (lease expired) this long after its last change is re-queued, in ms. Default 300000. */
        stuckAfterMs: positiveInt.default(300_000),
        /** A scheduled event this far past due is fired by the sweep, in ms. Default 60000. */
        lateAfterMs: positiveInt.default(60_000),
        /** Most items one sweep handles of each kind. Default 1000. */
        batch: positiveInt.max(100_000).default(1_000),
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
            /**
             * Events older than this when herald gets to them (age from `sendAt`, else `createdAt`) are dropped,
             * each delivery recorded `skipped` with reason `stale`. Omit to never drop.
             */
            maxAge: durationSchema.optional(),
          })
          .strict(),
      )
      .default({
        critical: { maxLatencyMs: 5_000, batchingAllowed: false, maxAge: 3_600_000 },
        high: { maxLatencyMs: 30_000, batchingAllowed: false, maxAge: 6 * 3_600_000 },
        normal: { maxLatencyMs: 600_000, batchingAllowed: true, maxAge: 24 * 3_600_000 },
        low: { maxLatencyMs: 3_600_000, batchingAllowed: true, maxAge: 72 * 3_600_000 },
      }),
    /** Templates by name (an event's `template`, else its `type`), then by channel, with translations under `locales`. */
    templates: z.record(z.string().min(1), templateSetSchema).default({}),
    /** Locale of the channel templates themselves, the last step of every locale fallback. Default en. */
    defaultLocale: localeTag.default('en'),
    /** Digest template per channel; `items` holds the rendered entries. */
    digestTemplates: channelTemplates.default({}),
    shutdown: z
      .object({
        /** Longest a SIGTERM shutdown may take before the process exits anyway, in ms. Default 15000. */
        timeoutMs: positiveInt.default(15_000),
      })
      .strict()
      .prefault({}),
    /** Timeouts and the connection cap of the HTTP API (see ./http-schema.ts). */
    http: httpSchema,
    heartbeat: z
      .object({
        /** How often each worker writes its heartbeat and breaker states to Redis (read by `herald breakers`), in ms. Default 5000. */
        intervalMs: positiveInt.default(5_000),
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
    for (const [i, rule] of config.batching.rules.entries()) {
      for (const p of rule.priorities) {
        if (!config.priorities[p].batchingAllowed) {
          ctx.addIssue({ code: 'custom', path: ['batching', 'rules', i, 'priorities'], message: `priority "${p}" is batched by this rule but priorities.${p}.batchingAllowed is false; remove it or allow batching` });
        }
      }
      if (rule.template !== undefined && !Object.hasOwn(config.templates, rule.template)) {
        ctx.addIssue({ code: 'custom', path: ['batching', 'rules', i, 'template'], message: `no template "${rule.template}" under templates; add it or remove the rule's template` });
      }
    }
    // The same default as src/batching/digest-rules.ts: two unnamed rules of one channel and the same types collide.
    const ruleNames = config.batching.rules.map((r) => r.name ?? `${r.channel}-${r.types?.join('+') ?? 'all'}`);
    for (const [i, name] of ruleNames.entries()) {
      if (ruleNames.indexOf(name) !== i) {
        ctx.addIssue({ code: 'custom', path: ['batching', 'rules', i, 'name'], message: `two digest rules are named "${name}" (given or by default); names are part of digest ids, give this one its own name` });
      }
    }
    const capNames = config.frequencyCaps.map((c) => c.name);
    for (const [i, name] of capNames.entries()) {
      if (capNames.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['frequencyCaps', i, 'name'], message: `frequency cap "${name}" is defined twice; give each its own name` });
    }
    if (config.kafka.topics.bulk === config.kafka.topics.incoming) {
      ctx.addIssue({ code: 'custom', path: ['kafka', 'topics', 'bulk'], message: 'the bulk lane must be a topic of its own, not the incoming topic' });
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
