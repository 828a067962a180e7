import type { Cluster, Redis } from 'ioredis';
import type { Clock } from '../clock';
import type { HeraldConfig } from '../config/schema';
import type { Env } from '../env';
import { describeError } from '../errors';
import type { Logger } from '../logger';
import type { RedisKeys } from '../redis/keys';
import { createEmailOutboxProvider } from './email-outbox';
import { createSmtpProvider } from './email-smtp';
import { createInAppProvider } from './in-app';
import { createPushOutboxProvider } from './push-outbox';
import { createSmsOutboxProvider } from './sms-outbox';
import type { ProviderMap } from './types';

/** What {@link buildProviders} needs; all passed in, nothing read from the environment here. */
export interface BuildProvidersOptions {
  env: Pick<Env, 'SMTP_URL' | 'OUTBOX_DIR' | 'EMAIL_FROM'>;
  config: Pick<HeraldConfig, 'channels' | 'deliveryState'>;
  redis: Redis | Cluster;
  keys: RedisKeys;
  logger: Logger;
  /** Default: the wall clock. */
  clock?: Clock;
}

/**
 * The provider of each channel: email over SMTP when SMTP_URL is set, else `.eml` files in the
 * outbox; in-app in Redis; SMS and push as files in the outbox until real providers land.
 */
export function buildProviders(options: BuildProvidersOptions): ProviderMap {
  const { env, config } = options;
  const providers: ProviderMap = {
    email: env.SMTP_URL
      ? createSmtpProvider({ url: env.SMTP_URL, from: env.EMAIL_FROM, logger: options.logger })
      : createEmailOutboxProvider({ outboxDir: env.OUTBOX_DIR, from: env.EMAIL_FROM }),
    in_app: createInAppProvider({
      redis: options.redis,
      keys: options.keys,
      inboxCap: config.channels.in_app.inboxCap,
      // Remember pushed ids as long as the delivery itself can still be retried or queried.
      idRetentionMs: config.deliveryState.retentionSeconds * 1000,
      clock: options.clock,
    }),
    sms: createSmsOutboxProvider({ outboxDir: env.OUTBOX_DIR }),
    push: createPushOutboxProvider({ outboxDir: env.OUTBOX_DIR }),
  };
  options.logger.info('channel providers built', {
    email: providers.email.id,
    sms: providers.sms.id,
    push: providers.push.id,
    in_app: providers.in_app.id,
  });
  return providers;
}

/**
 * Releases every provider's pooled connections (SMTP pool) at shutdown. A provider that fails
 * to close is logged, not thrown, so the others still close.
 */
export async function closeProviders(map: ProviderMap, logger?: Logger): Promise<void> {
  const unique = [...new Set(Object.values(map))];
  const results = await Promise.allSettled(unique.map((p) => p.close?.()));
  results.forEach((r, i) => {
    if (r.status === 'rejected') logger?.warn('provider close failed', { provider: unique[i]?.id, error: describeError(r.reason) });
  });
}
