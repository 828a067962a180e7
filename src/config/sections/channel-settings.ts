import { z } from 'zod';
import { positiveInt } from '../fields';
import { PROVIDER_IDS } from '../provider-ids';

/* The settings every channel has (`channels.<channel>.*`); channels.ts adds each channel's own. */

const rateLimitSchema = z
  .object({
    perSecond: z.number().positive().optional().describe('Sustained requests per second, shared by all workers. Give this or `perMinute`.'),
    perMinute: z.number().positive().optional().describe('Sustained requests per minute, shared by all workers. Give this or `perSecond`.'),
    burst: positiveInt.optional().describe("Requests allowed at once above the sustained rate. Default: one second's worth (at least 1)."),
  })
  .strict()
  .refine((r) => (r.perSecond === undefined) !== (r.perMinute === undefined), {
    message: 'give exactly one of perSecond or perMinute, e.g. { perSecond: 10 } or { perMinute: 600, burst: 20 }',
  });

/** A rate limit as configured. */
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;

const retrySchema = z
  .object({
    baseDelayMs: positiveInt
      .default(1_000)
      .describe('Cap of the first backoff window, in ms, at most `maxDelayMs`; each retry doubles it, and the wait is a random point in it (full jitter).'),
    maxDelayMs: positiveInt.default(300_000).describe("Largest backoff window, in ms (300000 is 5 minutes). A provider's Retry-After overrides it."),
  })
  .strict()
  .refine((r) => r.baseDelayMs <= r.maxDelayMs, { message: 'baseDelayMs must not exceed maxDelayMs' });

const breakerSchema = z
  .object({
    errorThresholdPercentage: z
      .number()
      .min(1)
      .max(100)
      .default(50)
      .describe('Share of failed calls, in percent, in the rolling window that opens the breaker.'),
    volumeThreshold: positiveInt.default(5).describe('Calls in the rolling window before the breaker may open at all.'),
    rollingWindowMs: positiveInt.default(10_000).describe('Length of the rolling window, in ms.'),
    resetTimeoutMs: positiveInt.default(30_000).describe('How long an open breaker waits before letting one trial call through (half-open), in ms.'),
    timeoutMs: positiveInt
      .default(45_000)
      .describe(
        "A provider call slower than this, in ms, counts as a failure towards opening the breaker. The delivery still takes the call's own outcome " +
          "(a late acceptance is sent, not retried into a duplicate; a late failure keeps its own error, a 429's Retry-After or a refused address); each " +
          "provider's own timeout (SMTP, Twilio, webhooks) ends a hung call.",
      ),
  })
  .strict()
  .prefault({});

/** The fields of every channel; `z.object({ ...channelFields, … })` adds a channel's own. */
export const channelFields = {
  enabled: z.boolean().default(true).describe('Whether the channel delivers at all. A disabled channel records its deliveries as `skipped`.'),
  rateLimit: rateLimitSchema.optional().describe('Rate limit of each provider of the channel, shared by all workers. Default: unlimited.'),
  providerRateLimits: z
    .record(z.string().meta({ title: 'provider' }), rateLimitSchema.describe('Rate limit of this provider, replacing `rateLimit` for it.'))
    .default({})
    .describe('Rate limits of single providers, by provider id, each replacing `rateLimit` for its provider (e.g. `{ twilio: { perSecond: 1 } }`).'),
  batchSize: positiveInt.default(10).describe('Most deliveries of this channel one worker sends at the same time.'),
  maxAttempts: positiveInt.max(50).default(5).describe('Attempts per delivery (the first try included) before it is dead-lettered.'),
  providers: z
    .array(z.string())
    .min(1)
    .optional()
    .describe(
      `Providers of the channel, in order, by id (${Object.entries(PROVIDER_IDS)
        .map(([channel, ids]) => `${channel}: ${ids.map((id) => `\`${id}\``).join(', ')}`)
        .join('; ')}; ` + '`*-outbox` are the local file sinks). Default: the real provider when its environment variables are set, else the outbox.',
    ),
  strategy: z
    .enum(['fallback', 'round-robin'])
    .default('fallback')
    .describe('How several providers share the work: `fallback` (in order) or `round-robin` (turns shared by all workers).'),
  retry: retrySchema.prefault({}).describe('Backoff of the durable retries.'),
  breaker: breakerSchema.describe('Circuit breaker of each provider of the channel.'),
};
