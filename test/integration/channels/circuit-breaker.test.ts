import { withBreaker, type BreakerState } from '../../../src/channels/circuit-breaker';
import { createWebhookProvider } from '../../../src/channels/webhook-http';
import { parseConfig } from '../../../src/config/load-config';
import { RetriableError, PermanentError } from '../../../src/shared/errors';
import { testLogger } from '../../support/infra';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';
import { outbound } from './support';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;

describe('one circuit breaker per provider (opossum), around a real webhook provider and receiver', () => {
  let receiver: WebhookReceiver;
  let t: number;
  const clock = { now: () => t };
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    t = Date.now();
  });
  afterEach(() => receiver.close());

  const guarded = (overrides: Record<string, number> = {}, webhookTimeoutMs = 10_000) => {
    const states: BreakerState[] = [];
    const breaker = parseConfig({ channels: { webhook: { breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 300, ...overrides } } } })
      .channels.webhook.breaker;
    const provider = withBreaker(
      createWebhookProvider({ secrets: [SECRET], logger: testLogger(), timeoutMs: webhookTimeoutMs, allowPrivateAddresses: true }),
      breaker,
      { clock, logger: testLogger(), onStateChange: (s) => states.push(s) },
    );
    return { provider, states };
  };
  const send = (provider: ReturnType<typeof guarded>['provider']) => provider.send(outbound('webhook', [receiver.url('/hook')]));

  it('opens after repeated retriable failures, then fails fast without calling the provider', async () => {
    const { provider, states } = guarded();
    receiver.failNext(503, 3);
    for (let i = 0; i < 3; i++) await expect(send(provider)).rejects.toMatchObject({ code: 'http_503' });
    expect(provider.breakerState()).toBe('open');
    expect(states).toEqual(['open']);
    expect(provider.openUntil()).toBeGreaterThan(t);

    const calls = receiver.requests.length;
    const error = await send(provider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ code: 'breaker_open', retryAfterMs: 300 });
    expect(receiver.requests).toHaveLength(calls);
  });

  it('lets one trial call through after the reset timeout and closes when it succeeds', async () => {
    const { provider, states } = guarded();
    receiver.failNext(503, 3);
    for (let i = 0; i < 3; i++) await send(provider).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(provider.breakerState()).toBe('half-open');
    await expect(send(provider)).resolves.toMatchObject({ delivered: true });
    expect(provider.breakerState()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('is not tripped by permanent errors (4xx other than 429): a bad request says nothing about the provider', async () => {
    const { provider } = guarded();
    receiver.failNext(400, 6);
    for (let i = 0; i < 6; i++) await expect(send(provider)).rejects.toBeInstanceOf(PermanentError);
    expect(provider.breakerState()).toBe('closed');
    await expect(send(provider)).resolves.toMatchObject({ delivered: true });
  });

  it("counts 429s, and lets a call slower than timeoutMs that then fails end with the provider's own failure (here its own timeout)", async () => {
    const { provider } = guarded({ timeoutMs: 200 }, 500);
    receiver.hangNext(1);
    await expect(send(provider)).rejects.toMatchObject({ code: 'provider_unreachable', retriable: true, message: expect.stringMatching(/ETIMEDOUT/) });
    receiver.failNext(429, 2);
    await send(provider).catch(() => undefined);
    await send(provider).catch(() => undefined);
    expect(provider.breakerState()).toBe('open');
  });

  it('returns the late answer of a call slower than timeoutMs, so a provider that accepted late is not sent to again', async () => {
    const { provider, states } = guarded({ timeoutMs: 100, volumeThreshold: 1 });
    receiver.delayNext(400);
    const began = Date.now();
    await expect(send(provider)).resolves.toMatchObject({ delivered: true });
    expect(Date.now() - began).toBeGreaterThanOrEqual(350);
    expect(receiver.requests).toHaveLength(1);
    // The slowness still counted: one timed-out call opened a breaker whose volume threshold is 1.
    expect(states[0]).toBe('open');
  });
});
