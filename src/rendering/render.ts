import type { RenderedContent } from '../channels/types';
import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/event-v1';
import { PermanentError } from '../shared/errors';
import { stripControls } from '../shared/control-chars';
import { addTracking } from './attribution';
import { defaultDigest, type DigestItem } from '../digests/digest-defaults';
import { fallbackText, fallbackTitle, nonBlank, textToHtml } from './fallback';
import { applyPushLimits, checkSmsLength, type SmsSource } from './limits';
import { resolveTemplate, type ResolvedTemplate } from './locale-fallback';
import { TEMPLATE_FIELDS, createTemplateCompiler, type TemplateCompiler, type TemplateCompilerOptions, type TemplateField } from './template-compiler';

export type { DigestItem } from '../digests/digest-defaults';
export { checkTemplates, type TemplateProblem } from './check-templates';
export { resolveTemplate, type ResolvedTemplate } from './locale-fallback';
export type { UnsafeUrl } from './template-compiler';

/** The event fields a template can use (`{{id}}`, `{{type}}`, `{{priority}}`, `{{createdAt}}`, `{{payload.x}}`). */
export interface RenderEvent {
  id: string;
  type: string;
  priority: string;
  createdAt: string;
  payload: Record<string, unknown>;
}

/** What to render: the template name (the event's `template`, else its `type`) for one channel. */
export interface RenderInput {
  templateName: string;
  channel: Channel;
  event: RenderEvent;
  /**
   * Recipient locale; picks the translation (see {@link resolveTemplate}). Templates see the locale
   * they are written in as `{{locale}}` and this one as `{{recipientLocale}}`.
   */
  locale?: string;
}

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

/** The parts of the config the renderer reads. */
export type RendererConfig = Pick<HeraldConfig, 'templates' | 'digestTemplates' | 'defaultLocale' | 'attribution' | 'channels'>;

/** Renders deliveries and digests from the configured templates. */
export interface Renderer {
  /**
   * Renders one delivery in the recipient's locale (falling back to shorter tags, then the default
   * locale). A missing template or field falls back to `payload.title` / `payload.message`. Links get
   * the channel's `attribution` parameters; a push title and body are cut to the channel's limits.
   * @throws PermanentError `template_missing` when there is neither a template nor a payload to fall back on;
   *   `template_error` when a template does not compile or fails while rendering;
   *   `sms_too_long` when an SMS takes more than `channels.sms.maxSegments` segments.
   */
  render(input: RenderInput): RenderedContent;
  /**
   * Renders a digest of already-rendered items with `templates[templateName]` (in the recipient's
   * locale) when given, else `digestTemplates[channel]`, else a plain list. Template data:
   * `{ items, count, listed, more, locale, recipientLocale }`, `count` being every item, listed or not.
   * @throws PermanentError `template_error` when the template is broken; `sms_too_long` as for {@link render}.
   */
  renderDigest(input: DigestInput): RenderedContent;
  /** The earlier form: `items` all listed, no template name, no locale. */
  renderDigest(channel: Channel, items: DigestItem[]): RenderedContent;
}

type Rendered = Partial<Record<TemplateField, string>>;
/** Content before attribution and channel limits; `html` undefined means "derive it from text". */
type Draft = Omit<RenderedContent, 'html'> & { html?: string };

function renderFields(compiler: TemplateCompiler, resolved: ResolvedTemplate, template: string | undefined, channel: Channel, data: object): Rendered {
  const out: Rendered = {};
  for (const field of TEMPLATE_FIELDS) {
    const source = resolved.template[field];
    if (source === undefined) continue;
    const ref = { template, locale: resolved.locale, channel, field, path: `${resolved.path}.${field}` };
    out[field] = nonBlank(compiler.compile(ref, source)(data));
  }
  return out;
}

function missingTemplate(name: string, channel: Channel): PermanentError {
  return new PermanentError(
    `No template "${name}" for channel ${channel} and the payload has no title or message to fall back on. ` +
      `Add templates.${name}.${channel} (with text${channel === 'email' ? ', subject' : ''}) to the config, ` +
      'or send payload.title and payload.message with the event.',
    'template_missing',
  );
}

/**
 * The plain-text fields without control or bidi-override characters, whichever value brought them
 * in: a subject or an SMS must not carry an escape sequence or a right-to-left override that makes
 * a link read as another. Subject and title become one line. `html` is markup, escaped as it renders.
 */
function plainText(draft: Draft): Draft {
  return { ...draft, subject: stripControls(draft.subject, false), title: stripControls(draft.title, false), text: stripControls(draft.text, true) };
}

/** Cleans the plain text, adds tracking parameters, derives a missing html from the (tracked) text, and applies the channel's limits. */
function finish(config: RendererConfig, channel: Channel, raw: Draft, campaign: string, sms: Omit<SmsSource, 'tracked'>): RenderedContent {
  const draft = plainText(raw);
  const utm = config.attribution.channels[channel];
  let content: RenderedContent = { ...draft, html: draft.html ?? '' };
  if (utm) content = addTracking(content, { utm_source: utm.utm_source, utm_medium: utm.utm_medium, utm_campaign: campaign }, config.attribution.domains);
  if (draft.html === undefined) content.html = textToHtml(content.text);
  if (channel === 'push') content = applyPushLimits(content, config.channels.push);
  if (channel === 'sms') checkSmsLength(content.text, config.channels.sms.maxSegments, { ...sms, tracked: utm !== undefined });
  return content;
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

/**
 * Creates the renderer for one validated config. Templates compile on first use and stay
 * cached for the life of the renderer; run {@link checkTemplates} at start-up to catch broken
 * ones before the first event. `options.onUnsafeUrl` hears of each link `{{url …}}` refused.
 */
export function createRenderer(config: RendererConfig, options: TemplateCompilerOptions = {}): Renderer {
  const compiler = createTemplateCompiler(options);

  function render({ templateName, channel, event, locale }: RenderInput): RenderedContent {
    const resolved = resolveTemplate(config, templateName, channel, locale);
    const payload = event.payload;
    if (!resolved && fallbackText(payload) === undefined) throw missingTemplate(templateName, channel);

    const usedLocale = resolved?.locale ?? locale ?? config.defaultLocale;
    const data = { id: event.id, type: event.type, priority: event.priority, createdAt: event.createdAt, locale: usedLocale, recipientLocale: locale, payload };
    const out = resolved ? renderFields(compiler, resolved, templateName, channel, data) : {};
    const title = out.title ?? out.subject ?? fallbackTitle(payload, event.type);
    const text = out.text ?? fallbackText(payload) ?? '';
    const campaign = config.attribution.campaignFrom === 'type' ? event.type : templateName;
    const shorten = out.text !== undefined && resolved ? `${resolved.path}.text` : `the event's payload.message (or add templates.${templateName}.sms)`;
    return finish(config, channel, { title, subject: out.subject ?? out.title ?? title, text, html: out.html }, campaign, {
      label: `template "${templateName}"`,
      locale: usedLocale,
      shorten,
    });
  }

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
      shorten: out.text !== undefined && resolved ? `${resolved.path}.text` : 'the digest (fewer items per digest: the rule\'s maxItems) or add digestTemplates.sms',
    });
  }

  return { render, renderDigest };
}
