import CircuitBreaker from 'opossum';
import type { Clock } from '../shared/clock';
import { describeError, isRetriable, RetriableError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { ChannelProvider, OutboundMessage, SendResult } from './types';

/** Breaker settings of one provider (`channels.<channel>.breaker`). */
export interface BreakerSettings {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingWindowMs: number;
  resetTimeoutMs: number;
  timeoutMs: number;
}

/** `closed`: calls flow; `open`: calls fail fast until a trial; `half-open`: one trial call decides. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A provider behind its own circuit breaker. */
export interface GuardedProvider extends ChannelProvider {
  /** The breaker's state now. */
  breakerState(): BreakerState;
  /** Epoch ms after which an open breaker lets a trial call through; 0 when not open. */
  openUntil(): number;
}

/**
 * Wraps one provider in its own opossum breaker, named `<channel>/<provider>`, once, where
 * providers are built. Only retriable failures (timeouts, connection errors, 5xx, 429) count:
 * a bad address or an invalid token says nothing about the provider's health. While open, calls
 * fail at once with a retriable `breaker_open` error carrying the time until the trial call.
 */
export function withBreaker(
  provider: ChannelProvider,
  settings: BreakerSettings,
  deps: { clock: Clock; logger: Logger; onStateChange?: (state: BreakerState) => void },
): GuardedProvider {
  const name = `${provider.channel}/${provider.id}`;
  // The action hands its call to `track`: opossum's timeout rejects fire() but cannot stop the call.
  const breaker = new CircuitBreaker(
    (message: OutboundMessage, track: (call: Promise<SendResult>) => void) => {
      const call = provider.send(message);
      track(call);
      return call;
    },
    {
      name,
      timeout: settings.timeoutMs,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      rollingCountTimeout: settings.rollingWindowMs,
      rollingCountBuckets: 10,
      resetTimeout: settings.resetTimeoutMs,
      // true = "not a provider failure": permanent errors pass through without counting.
      errorFilter: (error: unknown) => !isTimeout(error) && !isRetriable(error),
    },
  );
  let openedUntil = 0;
  const report = (state: BreakerState, level: 'warn' | 'info') => {
    deps.logger[level](`circuit breaker ${state}`, { decision: `breaker_${state}`, channel: provider.channel, provider: provider.id, breaker: name });
    deps.onStateChange?.(state);
  };
  breaker.on('open', () => {
    openedUntil = deps.clock.now() + settings.resetTimeoutMs;
    report('open', 'warn');
  });
  breaker.on('halfOpen', () => {
    openedUntil = 0;
    report('half-open', 'info');
  });
  breaker.on('close', () => {
    openedUntil = 0;
    report('closed', 'info');
  });

  return {
    id: provider.id,
    channel: provider.channel,
    callbacks: provider.callbacks,
    async send(message): Promise<SendResult> {
      let call: Promise<SendResult> | undefined;
      try {
        return await breaker.fire(message, (c: Promise<SendResult>) => (call = c));
      } catch (error) {
        if (isOpen(error)) {
          const waitMs = Math.max(0, openedUntil - deps.clock.now());
          throw new RetriableError(
            `the ${name} circuit breaker is open after repeated failures; the delivery waits for its trial call`,
            'breaker_open',
            error,
            waitMs,
          );
        }
        if (isTimeout(error)) return lateOutcome(call, error, { name, provider, settings, logger: deps.logger });
        throw error;
      }
    },
    breakerState: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'),
    openUntil: () => (breaker.opened ? Math.max(openedUntil, deps.clock.now() + 1) : 0),
    async close() {
      breaker.shutdown();
      await provider.close?.();
    },
  };
}

/**
 * What a call slower than the breaker timeout became: it counted against the breaker, but the
 * delivery's outcome is the call's own. A provider that accepts late has sent the message: a retry
 * would send it twice (the chaos run found such duplicates). One that fails late failed as it says:
 * a late 429 keeps its Retry-After (the provider is paused, the retry waits), a refused address stays
 * permanent (bounced at once, not retried to the last attempt). Each provider's own timeout bounds this wait.
 */
async function lateOutcome(
  call: Promise<SendResult> | undefined,
  timeout: unknown,
  ctx: { name: string; provider: ChannelProvider; settings: BreakerSettings; logger: Logger },
): Promise<SendResult> {
  const { name, provider, settings } = ctx;
  if (!call)
    throw new RetriableError(
      `${name} did not answer within ${settings.timeoutMs} ms (channels.${provider.channel}.breaker.timeoutMs); it will be retried`,
      'provider_timeout',
      timeout,
    );
  const late = await call.then(
    (result) => ({ result }),
    (cause: unknown) => ({ cause }),
  );
  const log = { channel: provider.channel, provider: provider.id, timeoutMs: settings.timeoutMs };
  if ('result' in late) {
    ctx.logger.warn('provider answered after the breaker timeout; counted as a failure, delivered once', log);
    return late.result;
  }
  ctx.logger.warn('provider failed after the breaker timeout; counted as a failure, its own error decides what follows', {
    ...log,
    error: describeError(late.cause),
  });
  throw late.cause;
}

const isOpen = (error: unknown) => (error as { code?: string } | null)?.code === 'EOPENBREAKER';
// opossum's own timeout error (providers' own timeouts arrive already classified as RetriableError).
const isTimeout = (error: unknown) => error instanceof Error && !('retriable' in error) && (error as { code?: string }).code === 'ETIMEDOUT';
