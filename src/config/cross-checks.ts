import type { z } from 'zod';
import { CHANNELS } from '../contract/vocabulary';
import { PROVIDER_IDS } from './provider-ids';
import type { configShape } from './schema';

/** What the cross-field checks read: every section parsed, defaults filled. */
type Parsed = z.infer<typeof configShape>;
type Ctx = z.RefinementCtx;

/** Provider ids that exist for their channel, and each listed once. */
function checkProviders(config: Parsed, ctx: Ctx): void {
  for (const channel of CHANNELS) {
    const settings = config.channels[channel];
    const known: readonly string[] = PROVIDER_IDS[channel];
    for (const [i, id] of (settings.providers ?? []).entries()) {
      if (!known.includes(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', channel, 'providers', i],
          message: `unknown ${channel} provider "${id}"; use one of ${known.join(', ')}`,
        });
      }
    }
    if (new Set(settings.providers ?? []).size !== (settings.providers ?? []).length) {
      ctx.addIssue({ code: 'custom', path: ['channels', channel, 'providers'], message: 'a provider is listed twice; list each once' });
    }
    for (const id of Object.keys(settings.providerRateLimits)) {
      if (!known.includes(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', channel, 'providerRateLimits', id],
          message: `unknown ${channel} provider "${id}"; use one of ${known.join(', ')}`,
        });
      }
    }
  }
}

/** Digest rules batch only priorities that allow it, name templates that exist, and have names of their own. */
function checkDigestRules(config: Parsed, ctx: Ctx): void {
  for (const [i, rule] of config.batching.rules.entries()) {
    for (const p of rule.priorities) {
      if (!config.priorities[p].batchingAllowed) {
        ctx.addIssue({
          code: 'custom',
          path: ['batching', 'rules', i, 'priorities'],
          message: `priority "${p}" is batched by this rule but priorities.${p}.batchingAllowed is false; remove it or allow batching`,
        });
      }
    }
    if (rule.template !== undefined && !Object.hasOwn(config.templates, rule.template)) {
      ctx.addIssue({
        code: 'custom',
        path: ['batching', 'rules', i, 'template'],
        message: `no template "${rule.template}" under templates; add it or remove the rule's template`,
      });
    }
  }
  // The same default as src/digests/digest-rules.ts: two unnamed rules of one channel and the same types collide.
  const ruleNames = config.batching.rules.map((r) => r.name ?? `${r.channel}-${r.types?.join('+') ?? 'all'}`);
  for (const [i, name] of ruleNames.entries()) {
    if (ruleNames.indexOf(name) !== i) {
      ctx.addIssue({
        code: 'custom',
        path: ['batching', 'rules', i, 'name'],
        message: `two digest rules are named "${name}" (given or by default); names are part of digest ids, give this one its own name`,
      });
    }
  }
}

/**
 * The checks that span fields (or sections): a zod object checks each field alone. Each issue
 * names the field to change and ends with the fix, as config-problems.ts expects of our own checks.
 */
export function crossChecks(config: Parsed, ctx: Ctx): void {
  checkProviders(config, ctx);
  checkDigestRules(config, ctx);
  const capNames = config.frequencyCaps.map((c) => c.name);
  for (const [i, name] of capNames.entries()) {
    if (capNames.indexOf(name) !== i)
      ctx.addIssue({ code: 'custom', path: ['frequencyCaps', i, 'name'], message: `frequency cap "${name}" is defined twice; give each its own name` });
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
}
