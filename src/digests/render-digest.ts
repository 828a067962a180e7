import type { RenderedContent } from '../channels/types';
import type { Channel } from '../contract/vocabulary';
import { resolveTemplate, type ResolvedTemplate, type RendererConfig } from '../rendering/render';
import { finish, renderFields, type Draft } from '../rendering/render-parts';
import { createTemplateCompiler, type TemplateCompilerOptions } from '../rendering/template-compiler';
import { defaultDigest, type DigestItem } from './digest-defaults';

export type { DigestItem } from './digest-defaults';

/** What to render as a digest. */
export interface DigestInput {
  channel: Channel;
  /** The items listed, already rendered for the channel. */
  items: DigestItem[];
  /** Items counted but not listed (a summarised digest past its rule's `maxItems`); 0 when none. */
  more: number;
  /** Recipient locale, for the translations of `templateName`. */
  locale?: string;
  /** A template under `templates` (the digest rule's `template`); default `digestTemplates[channel]`. */
  templateName?: string;
}

/**
 * The digest's template: the named one in the recipient's locale (`name` set), else
 * `digestTemplates[channel]` (written in `defaultLocale`), else none (the built-in list).
 */
function digestTemplate(config: RendererConfig, input: DigestInput): { resolved?: ResolvedTemplate; name?: string } {
  const named = input.templateName === undefined ? undefined : resolveTemplate(config, input.templateName, input.channel, input.locale);
  if (named) return { resolved: named, name: input.templateName };
  const own = Object.hasOwn(config.digestTemplates, input.channel) ? config.digestTemplates[input.channel] : undefined;
  return own ? { resolved: { template: own, locale: config.defaultLocale, path: `digestTemplates.${input.channel}` } } : {};
}

/** Renders digests from the configured templates. */
export interface DigestRenderer {
  /**
   * Renders a digest of already-rendered items with `templates[templateName]` (in the recipient's
   * locale) when given, else `digestTemplates[channel]`, else a plain list. Template data:
   * `{ items, count, listed, more, locale, recipientLocale }`, `count` being every item, listed or not.
   * @throws PermanentError `template_error` when the template is broken; `sms_too_long` when an SMS digest takes more than `channels.sms.maxSegments` segments.
   */
  renderDigest(input: DigestInput): RenderedContent;
  /** The earlier form: `items` all listed, no template name, no locale. */
  renderDigest(channel: Channel, items: DigestItem[]): RenderedContent;
}

/**
 * Creates the digest renderer for one validated config: the same template machinery as an event's
 * (src/rendering), with the digest's own data (`items`, `count`, `listed`, `more`) and its built-in
 * list when no template applies. Templates compile on first use and stay cached.
 */
export function createDigestRenderer(config: RendererConfig, options: TemplateCompilerOptions = {}): DigestRenderer {
  const compiler = createTemplateCompiler(options);

  function renderDigest(first: Channel | DigestInput, items?: DigestItem[]): RenderedContent {
    const input: DigestInput = typeof first === 'string' ? { channel: first, items: items ?? [], more: 0 } : first;
    const more = Math.max(0, Math.trunc(input.more));
    const defaults = defaultDigest(input.items, more);
    const { resolved, name: named } = digestTemplate(config, input);
    const usedLocale = resolved?.locale ?? config.defaultLocale;
    const data = { items: input.items, count: input.items.length + more, listed: input.items.length, more, locale: usedLocale, recipientLocale: input.locale };
    const out = resolved ? renderFields(compiler, resolved, named, input.channel, data) : {};
    const draft: Draft = {
      subject: out.subject ?? out.title ?? defaults.subject,
      title: out.title ?? out.subject ?? defaults.title,
      text: out.text ?? defaults.text,
      // A custom text without a custom html: show that text rather than the default list.
      html: out.html ?? (out.text ? undefined : defaults.html),
    };
    return finish(config, input.channel, draft, input.templateName ?? 'digest', {
      label: named ? `digest template "${named}"` : resolved ? `digest template ${resolved.path}` : 'the built-in digest',
      locale: usedLocale,
      shorten:
        out.text !== undefined && resolved ? `${resolved.path}.text` : "the digest (fewer items per digest: the rule's maxItems) or add digestTemplates.sms",
    });
  }

  return { renderDigest };
}
