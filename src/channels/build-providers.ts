import type { Clock } from '../shared/clock';
import type { HeraldConfig } from '../config/schema';
import { CHANNELS, type Channel } from '../contract/vocabulary';
import type { Env } from '../config/env';
import { ConfigError, describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { createUserDirectory } from '../recipients/user-directory';
import type { RedisKeys } from '../redis/keys';
import { withBreaker, type BreakerState, type GuardedProvider } from './circuit-breaker';
import { createEmailOutboxProvider } from './email-outbox';
import { createSmtpProvider } from './email-smtp';
import { createInAppProvider } from './in-app';
import { createPushOutboxProvider } from './push-outbox';
import { createSmsOutboxProvider } from './sms-outbox';
import { type ChannelProvider, type ProviderMap } from './types';
import { PROVIDER_IDS, type ProviderId } from '../config/provider-ids';
import { createWebhookProvider } from './webhook-http';
import type { RedisClient } from '../redis/commands';

/** What {@link buildProviders} needs; all passed in, nothing read from the environment here. */
export interface BuildProvidersOptions {
  env: Env;
  config: Pick<HeraldConfig, 'channels' | 'deliveryState'>;
  redis: RedisClient;
  keys: RedisKeys;
  logger: Logger;
  /** Default: the wall clock. */
  clock?: Clock;
  /** HTTP agent of the FCM calls: an egress proxy in production; tests route it to a local FCM. Default: Node's. */
  fcmAgent?: import('node:https').Agent;
  /** Observes breaker transitions (metrics). */
  onBreakerChange?: (channel: Channel, provider: string, state: BreakerState) => void;
}

type Factory = (options: BuildProvidersOptions) => ChannelProvider;

/*
 * The Twilio and FCM adapters are loaded only when the config lists them: their SDKs cost about
 * 30 MB (twilio) and 25 MB (firebase-admin) of memory in every worker, used or not.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const twilioModule = () => require('./sms-twilio') as typeof import('./sms-twilio');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fcmModule = () => require('./push-fcm') as typeof import('./push-fcm');

/** Names the variables a provider needs when the config lists it without them. */
function requireEnv(provider: string, present: boolean, variables: string): void {
  if (!present)
    throw new ConfigError(
      `channels lists the provider "${provider}" but ${variables} is not set; set it, or remove "${provider}" from the channel's providers`,
    );
}

/** How each provider is built, by channel and id: a typed map, not a switch. */
const FACTORIES: { [C in Channel]: Record<ProviderId<C>, Factory> } = {
  email: {
    smtp: ({ env, logger }) => {
      requireEnv('smtp', env.SMTP_URL !== undefined, 'SMTP_URL');
      return createSmtpProvider({ url: env.SMTP_URL!, from: env.EMAIL_FROM, logger });
    },
    'email-outbox': ({ env }) => createEmailOutboxProvider({ outboxDir: env.OUTBOX_DIR, from: env.EMAIL_FROM }),
  },
  sms: {
    twilio: ({ env, config, logger, clock }) => {
      requireEnv('twilio', env.TWILIO_ACCOUNT_SID !== undefined, 'TWILIO_ACCOUNT_SID (with TWILIO_AUTH_TOKEN and TWILIO_FROM)');
      return twilioModule().createTwilioSmsProvider({
        accountSid: env.TWILIO_ACCOUNT_SID!,
        authToken: env.TWILIO_AUTH_TOKEN!,
        from: env.TWILIO_FROM!,
        apiBaseUrl: env.TWILIO_API_BASE_URL,
        statusCallbackUrl: env.HERALD_PUBLIC_URL ? new URL('/webhooks/twilio/status', env.HERALD_PUBLIC_URL).href : undefined,
        maxSegments: config.channels.sms.maxSegments,
        clock,
        logger,
      });
    },
    'sms-outbox': ({ env }) => createSmsOutboxProvider({ outboxDir: env.OUTBOX_DIR }),
  },
  push: {
    fcm: (options) => {
      const { env, config, redis, keys, logger } = options;
      const directory = createUserDirectory({ redis, keys });
      return fcmModule().createFcmPushProvider({
        projectId: env.GOOGLE_CLOUD_PROJECT,
        credentialsFile: env.GOOGLE_APPLICATION_CREDENTIALS,
        redis,
        keys,
        removeTokens: (userId, tokens) => directory.removePushTokens(userId, tokens),
        acceptedRetentionSeconds: config.deliveryState.retentionSeconds,
        httpAgent: options.fcmAgent,
        logger,
      });
    },
    'push-outbox': ({ env }) => createPushOutboxProvider({ outboxDir: env.OUTBOX_DIR }),
  },
  in_app: {
    'in-app': ({ config, redis, keys, clock }) =>
      createInAppProvider({
        redis,
        keys,
        inboxCap: config.channels.in_app.inboxCap,
        // Remember pushed ids as long as the delivery itself can still be retried or queried.
        idRetentionMs: config.deliveryState.retentionSeconds * 1000,
        clock,
      }),
  },
  webhook: {
    webhook: ({ env, config, logger, clock }) => {
      requireEnv('webhook', env.HERALD_WEBHOOK_SECRETS.length > 0, 'HERALD_WEBHOOK_SECRETS');
      return createWebhookProvider({
        secrets: env.HERALD_WEBHOOK_SECRETS,
        allowPrivateAddresses: config.channels.webhook.allowPrivateAddresses,
        clock,
        logger,
      });
    },
  },
};

/** The providers a channel uses when the config does not list them: the real one when its variables are set, else the local sink. */
function defaultProviders(channel: Channel, options: BuildProvidersOptions): string[] {
  const { env, config } = options;
  switch (channel) {
    case 'email':
      return [env.SMTP_URL ? 'smtp' : 'email-outbox'];
    case 'sms':
      return [env.TWILIO_ACCOUNT_SID ? 'twilio' : 'sms-outbox'];
    case 'push':
      return [env.GOOGLE_APPLICATION_CREDENTIALS ? 'fcm' : 'push-outbox'];
    case 'in_app':
      return ['in-app'];
    case 'webhook': {
      // Without endpoints no webhook delivery can resolve an address, so no secret is needed.
      const used = Object.keys(config.channels.webhook.endpoints).length + Object.keys(config.channels.webhook.users).length > 0;
      return used || env.HERALD_WEBHOOK_SECRETS.length > 0 ? ['webhook'] : [];
    }
  }
}

/**
 * Builds every channel's providers in configured order (`channels.<ch>.providers`, else the
 * defaults above), each wrapped once in its own circuit breaker. A provider listed without its
 * environment variables stops the start-up with a ConfigError naming them.
 */
export function buildProviders(options: BuildProvidersOptions): ProviderMap {
  const clock = options.clock ?? { now: () => Date.now() };
  const built: Partial<Record<Channel, GuardedProvider[]>> = {};
  const opened: ChannelProvider[] = [];
  try {
    for (const channel of CHANNELS) {
      const settings = options.config.channels[channel];
      const ids = settings.providers ?? defaultProviders(channel, options);
      const factories = FACTORIES[channel] as Record<string, Factory>;
      built[channel] = ids.map((id) => {
        const factory = Object.hasOwn(factories, id) ? factories[id] : undefined;
        if (!factory) throw new ConfigError(`unknown ${channel} provider "${id}"; use one of ${PROVIDER_IDS[channel].join(', ')}`);
        const provider = factory({ ...options, clock });
        opened.push(provider);
        return withBreaker(provider, settings.breaker, {
          clock,
          logger: options.logger,
          onStateChange: (state) => options.onBreakerChange?.(channel, id, state),
        });
      });
    }
  } catch (error) {
    // A later provider's bad config must not leave an earlier one's pool open.
    void Promise.allSettled(opened.map((p) => p.close?.()));
    throw error;
  }
  const providers = built as ProviderMap;
  // One text field: keyed by channel, `email` and `phone`-like keys would be redacted as addresses.
  options.logger.info('channel providers built', { providers: CHANNELS.map((c) => `${c}=${providers[c].map((p) => p.id).join(',') || 'none'}`).join(' ') });
  return providers;
}

/**
 * Releases every provider's pooled connections and breaker timers at shutdown. A provider that
 * fails to close is logged, not thrown, so the others still close.
 */
export async function closeProviders(map: ProviderMap, logger?: Logger): Promise<void> {
  const all = CHANNELS.flatMap((c) => map[c]);
  const results = await Promise.allSettled(all.map((p) => p.close?.()));
  results.forEach((r, i) => {
    if (r.status === 'rejected') logger?.warn('provider close failed', { provider: all[i]?.id, error: describeError(r.reason) });
  });
}
