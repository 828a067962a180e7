import type { BatchItem, Claim } from './batch-item';
import type { DigestSendOutcome } from './digest-flusher';
import { digestRulesOf } from './digest-rules';
import type { ProviderMap } from '../channels/types';
import type { Clock } from '../shared/clock';
import type { HeraldConfig } from '../config/schema';
import type { DeliveryStore } from '../delivery-state/delivery-store';
import type { DlqPublisher } from '../dlq/dlq-publisher';
import { describeError, isRetriable, RetriableError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { refusalOf } from '../recipients/preferences';
import { quietHoursEnd } from '../recipients/quiet-hours-gate';
import { resolveForChannel, type ResolvedRecipient } from '../recipients/resolve-recipient';
import type { UserDirectory } from '../recipients/user-directory';
import type { DigestRenderer } from './render-digest';
import { orderProviders } from '../dispatch/order-providers';
import { failureCode, type SendOnce } from '../dispatch/send-once';

/** Dependencies of {@link createDigestSender}. */
export interface DigestSenderDeps {
  providers: ProviderMap;
  sendOnce: SendOnce;
  deliveries: DeliveryStore;
  directory: UserDirectory;
  dlq: DlqPublisher;
  renderer: DigestRenderer;
  config: Pick<HeraldConfig, 'channels' | 'batching' | 'priorities' | 'quietHours'>;
  /** The shared round-robin turn of a channel. */
  nextTurn: (channel: Claim['items'][number]['channel']) => Promise<number>;
  clock: Clock;
  logger: Logger;
  observe?: (info: { channel: string; provider: string; outcome: 'sent' | 'already_sent' | 'dead_lettered'; items: number }) => void;
}

/** One digest message of a window: all of it, or one part when the rule splits overflow. */
interface DigestPart {
  digestId: string;
  /** Items listed in the message. */
  listed: BatchItem[];
  /** Items counted ("and N more") but not listed; marked sent with the digest. */
  folded: BatchItem[];
}

/** The digest messages of a claim under its rule's `maxItems` and `overflow`. */
export function digestParts(claim: Claim, maxItems: number, overflow: 'summarize' | 'split'): DigestPart[] {
  const { items, digestId } = claim;
  if (items.length <= maxItems) return [{ digestId, listed: items, folded: [] }];
  if (overflow === 'summarize') return [{ digestId, listed: items.slice(0, maxItems), folded: items.slice(maxItems) }];
  const parts: DigestPart[] = [];
  for (let i = 0; i < items.length; i += maxItems)
    parts.push({ digestId: `${digestId}#${parts.length + 1}`, listed: items.slice(i, i + maxItems), folded: [] });
  return parts;
}

/**
 * Sends one claimed digest window. The digest id (group + window end) is the delivery id, so the
 * send-once ledger makes a resumed claim (a flush that crashed half-way) send nothing twice; each
 * item is then marked `sent` with the digest id. Inside the recipient's quiet hours the digest is
 * handed back until they end. A digest that fails retriably (or finds no provider it may call)
 * rejects: its claim stays open and the next pass after the claim lease resumes it, with the attempts
 * the ledger counted. One that fails for good, or runs out of attempts, is dead-lettered with its
 * event ids and resolves, so the claim closes instead of retrying forever.
 */
export function createDigestSender(deps: DigestSenderDeps) {
  async function markItems(items: BatchItem[], status: 'sent' | 'failed' | 'dead-lettered', details: Record<string, unknown>): Promise<void> {
    await Promise.all(
      items.map((item) => deps.deliveries.set({ eventId: item.eventId, recipientId: item.recipientId, channel: item.channel }, status, details)),
    );
  }

  async function sendPart(part: DigestPart, recipient: ResolvedRecipient, to: string[], first: BatchItem, templateName: string | undefined): Promise<void> {
    const { channel, recipientId } = first;
    const all = [...part.listed, ...part.folded];
    const log = { digestId: part.digestId, recipientId, channel, items: part.listed.length, folded: part.folded.length };
    const message = () => ({
      deliveryId: part.digestId,
      idempotencyKey: part.digestId,
      eventId: part.digestId,
      channel,
      recipientId,
      to,
      locale: first.locale ?? recipient.locale,
      content: deps.renderer.renderDigest({ channel, items: part.listed, more: part.folded.length, locale: first.locale ?? recipient.locale, templateName }),
      meta: { type: 'digest', priority: first.priority, createdAt: first.createdAt, payload: { eventIds: all.map((i) => i.eventId) } },
    });
    const candidates = await orderProviders(deps.providers[channel], deps.config.channels[channel].strategy, () => deps.nextTurn(channel));
    const result = await deps.sendOnce({ eventId: part.digestId, recipientId, channel }, candidates, message);
    if (result.outcome === 'sent' || result.outcome === 'already_sent') {
      const provider = result.outcome === 'sent' ? result.provider : 'none';
      const details = { digestId: part.digestId, ...(result.outcome === 'sent' ? { provider } : {}) };
      await markItems(part.listed, 'sent', details);
      await markItems(part.folded, 'sent', {
        ...details,
        reason: 'folded_into_digest',
        detail: `counted in digest ${part.digestId} beyond its rule's maxItems, not listed`,
      });
      deps.logger.info('digest sent', { decision: result.outcome === 'sent' ? 'sent' : 'deduped', ...log, provider });
      deps.observe?.({ channel, provider, outcome: result.outcome, items: all.length });
      return;
    }
    if (result.outcome === 'settled') {
      // A resumed claim of a digest already dead-lettered: its items were marked then; close the claim.
      deps.logger.info('digest already ended for good, not trying again', { decision: 'deduped', ...log });
      return;
    }
    if (result.outcome === 'unavailable') {
      throw new RetriableError(
        `no ${channel} provider can take the digest now (${result.reason}); the next flush after the claim lease resumes it`,
        result.reason,
      );
    }
    if (isRetriable(result.error) && result.attempts < deps.config.channels[channel].maxAttempts) {
      throw new RetriableError(
        `digest attempt ${result.attempts} failed (${describeError(result.error)}); the next flush after the claim lease resumes it`,
        failureCode(result.error),
        result.error,
      );
    }
    const provider = result.provider;
    const reason = failureCode(result.error);
    const detail = describeError(result.error);
    await deps.dlq.deadLetterDigest({
      kind: 'digest_failed',
      reason,
      message: detail,
      digest: {
        digestId: part.digestId,
        eventIds: all.map((i) => i.eventId),
        recipientId,
        channel,
        provider,
        attempts: result.attempts,
        retriable: isRetriable(result.error),
      },
      failedAt: new Date(deps.clock.now()).toISOString(),
    });
    await markItems(all, 'dead-lettered', { digestId: part.digestId, reason, detail, provider, attempts: result.attempts });
    deps.logger.warn('digest dead-lettered', { decision: 'dead-lettered', ...log, provider, reason, error: detail });
    deps.observe?.({ channel, provider, outcome: 'dead_lettered', items: all.length });
  }

  /**
   * The items of a part the person still wants, now: the channel enabled, no opt-out of the
   * channel, of an item's type or of its category since it was batched. The others are recorded
   * `skipped` and left out of the message. Parts are cut before this, so a digest's part ids stay
   * the same whatever is left out, and the ledger still sends each part at most once.
   */
  async function keepWanted(part: DigestPart, recipient: ResolvedRecipient): Promise<DigestPart> {
    const all = [...part.listed, ...part.folded];
    const verdicts = all.map((item) => ({ item, refused: refusalOf(recipient.profile, item, item.channel, deps.config) }));
    const refused = verdicts.filter((v) => v.refused !== null);
    if (refused.length === 0) return part;
    await Promise.all(
      refused.map(({ item, refused: why }) =>
        deps.deliveries.set({ eventId: item.eventId, recipientId: item.recipientId, channel: item.channel }, 'skipped', { digestId: part.digestId, ...why }),
      ),
    );
    const reasons = [...new Set(refused.map((v) => v.refused!.reason))];
    deps.logger.info('digest items skipped at send time', {
      decision: 'skipped',
      digestId: part.digestId,
      recipientId: all[0]?.recipientId,
      channel: all[0]?.channel,
      items: refused.length,
      reasons,
    });
    const kept = verdicts.filter((v) => v.refused === null).map((v) => v.item);
    return { digestId: part.digestId, listed: kept.slice(0, part.listed.length), folded: kept.slice(part.listed.length) };
  }

  return async function sendDigest(claim: Claim): Promise<DigestSendOutcome> {
    const first = claim.items[0];
    if (!first) return;
    const { channel, recipientId } = first;
    const found = await resolveForChannel(first.recipient ?? recipientId, channel, deps.directory, deps.config.channels.webhook);
    if ('reason' in found) {
      const { reason } = found;
      await markItems(claim.items, 'failed', { digestId: claim.digestId, reason, detail: 'the recipient has no address for this channel any more' });
      deps.logger.warn('digest recipient unreachable', {
        decision: 'failed',
        digestId: claim.digestId,
        recipientId,
        channel,
        items: claim.items.length,
        reason,
      });
      return;
    }
    // The most urgent item decides: one item that may go now (a bypassing priority) sends the digest now.
    const now = deps.clock.now();
    const ends = claim.items.map((item) => quietHoursEnd(found.recipient.profile, item.priority, channel, deps.config, now));
    const waitUntil = ends.some((end) => end === null) ? null : Math.max(...(ends as number[]));
    if (waitUntil) return { postponeUntil: waitUntil };

    const rule = digestRulesOf(deps.config).find((r) => r.name === first.rule);
    const maxItems = rule?.maxItems ?? deps.config.batching.maxBatch;
    for (const whole of digestParts(claim, maxItems, rule?.overflow ?? 'summarize')) {
      const part = await keepWanted(whole, found.recipient);
      const lead = part.listed[0] ?? part.folded[0];
      if (lead) await sendPart(part, found.recipient, found.to, lead, rule?.template);
    }
  };
}
