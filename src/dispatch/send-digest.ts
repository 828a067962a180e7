import type { Claim } from '../batching/batch-item';
import type { ProviderMap } from '../channels/types';
import type { Clock } from '../clock';
import type { HeraldConfig } from '../config/schema';
import type { DeliveryStore } from '../delivery-state/delivery-store';
import type { DlqPublisher } from '../dlq/dlq-publisher';
import { describeError, isRetriable, RetriableError } from '../errors';
import type { Logger } from '../logger';
import { resolveForChannel } from '../recipients/resolve-recipient';
import type { UserDirectory } from '../recipients/user-directory';
import type { Renderer } from '../rendering/render';
import { orderProviders } from './order-providers';
import { failureCode, type SendOnce } from './send-once';

/** Dependencies of {@link createDigestSender}. */
export interface DigestSenderDeps {
  providers: ProviderMap;
  sendOnce: SendOnce;
  deliveries: DeliveryStore;
  directory: UserDirectory;
  dlq: DlqPublisher;
  renderer: Renderer;
  config: Pick<HeraldConfig, 'channels'>;
  /** The shared round-robin turn of a channel. */
  nextTurn: (channel: Claim['items'][number]['channel']) => Promise<number>;
  clock: Clock;
  logger: Logger;
  observe?: (info: { channel: string; provider: string; outcome: 'sent' | 'already_sent' | 'dead_lettered'; items: number }) => void;
}

/**
 * Sends one claimed digest. The digest id is the delivery id, so the send-once ledger makes a
 * resumed claim (a flush that crashed half-way) send nothing twice; each item is then marked
 * `sent` with the digest id. A digest that fails retriably (or finds no provider it may call) rejects:
 * its claim stays open and the next flush after the claim lease resumes it, with the attempts the
 * ledger counted. One that fails for good, or runs out of attempts, is dead-lettered with its event
 * ids and resolves, so the claim closes instead of retrying forever.
 */
export function createDigestSender(deps: DigestSenderDeps) {
  async function markItems(claim: Claim, status: 'sent' | 'failed' | 'dead-lettered', details: Record<string, unknown>): Promise<void> {
    await Promise.all(claim.items.map((item) => deps.deliveries.set({ eventId: item.eventId, recipientId: item.recipientId, channel: item.channel }, status, { digestId: claim.digestId, ...details })));
  }

  return async function sendDigest(claim: Claim): Promise<void> {
    const first = claim.items[0];
    if (!first) return;
    const { channel, recipientId } = first;
    const log = { digestId: claim.digestId, recipientId, channel, items: claim.items.length };
    const found = await resolveForChannel(first.recipient ?? recipientId, channel, deps.directory, deps.config.channels.webhook);
    if ('reason' in found) {
      const { reason } = found;
      await markItems(claim, 'failed', { reason, detail: 'the recipient has no address for this channel any more' });
      deps.logger.warn('digest recipient unreachable', { decision: 'failed', ...log, reason });
      return;
    }
    const message = () => ({
      deliveryId: claim.digestId,
      idempotencyKey: claim.digestId,
      eventId: claim.digestId,
      channel,
      recipientId,
      to: found.to,
      locale: found.recipient.locale,
      content: deps.renderer.renderDigest(channel, claim.items),
      meta: { type: 'digest', priority: first.priority, createdAt: first.createdAt, payload: { eventIds: claim.items.map((i) => i.eventId) } },
    });
    const candidates = await orderProviders(deps.providers[channel], deps.config.channels[channel].strategy, () => deps.nextTurn(channel));
    const result = await deps.sendOnce({ eventId: claim.digestId, recipientId, channel }, candidates, message);
    if (result.outcome === 'sent' || result.outcome === 'already_sent') {
      const provider = result.outcome === 'sent' ? result.provider : 'none';
      await markItems(claim, 'sent', result.outcome === 'sent' ? { provider } : {});
      deps.logger.info('digest sent', { decision: result.outcome === 'sent' ? 'sent' : 'deduped', ...log, provider });
      deps.observe?.({ channel, provider, outcome: result.outcome, items: claim.items.length });
      return;
    }
    if (result.outcome === 'settled') {
      // A resumed claim of a digest already dead-lettered: its items were marked then; close the claim.
      deps.logger.info('digest already ended for good, not trying again', { decision: 'deduped', ...log });
      return;
    }
    if (result.outcome === 'unavailable') {
      throw new RetriableError(`no ${channel} provider can take the digest now (${result.reason}); the next flush after the claim lease resumes it`, result.reason);
    }
    if (isRetriable(result.error) && result.attempts < deps.config.channels[channel].maxAttempts) {
      throw new RetriableError(`digest attempt ${result.attempts} failed (${describeError(result.error)}); the next flush after the claim lease resumes it`, failureCode(result.error), result.error);
    }
    const provider = result.provider;
    const reason = failureCode(result.error);
    const detail = describeError(result.error);
    await deps.dlq.deadLetterDigest({
      kind: 'digest_failed',
      reason,
      message: detail,
      digest: { digestId: claim.digestId, eventIds: claim.items.map((i) => i.eventId), recipientId, channel, provider, attempts: result.attempts, retriable: isRetriable(result.error) },
      failedAt: new Date(deps.clock.now()).toISOString(),
    });
    await markItems(claim, 'dead-lettered', { reason, detail, provider, attempts: result.attempts });
    deps.logger.warn('digest dead-lettered', { decision: 'dead-lettered', ...log, provider, reason, error: detail });
    deps.observe?.({ channel, provider, outcome: 'dead_lettered', items: claim.items.length });
  };
}
