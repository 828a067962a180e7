import type { RenderedContent } from '../channels/types';
import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/event-v1';
import { PermanentError } from '../errors';
import { defaultDigest, type DigestItem } from './digest-defaults';
import { fallbackText, fallbackTitle, nonBlank, textToHtml } from './fallback';
import { TEMPLATE_FIELDS, createTemplateCompiler, type TemplateCompiler, type TemplateField } from './template-compiler';

export type { DigestItem } from './digest-defaults';
export { checkTemplates, type TemplateProblem } from './check-templates';

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
  /** Recipient locale, available to templates as `{{locale}}`. */
  locale?: string;
}

/** Renders deliveries and digests from the configured templates. */
export interface Renderer {
  /**
   * Renders one delivery. A missing template or field falls back to `payload.title` /
   * `payload.message`.
   * @throws PermanentError `template_missing` when there is neither a template nor a payload to fall back on;
   *   `template_error` when a template does not compile or fails while rendering.
   */
  render(input: RenderInput): RenderedContent;
  /**
   * Renders a digest of already-rendered items with `digestTemplates[channel]` (data `{ items, count }`),
   * or a plain list when none is configured.
   * @throws PermanentError `template_error` when the digest template is broken.
   */
  renderDigest(channel: Channel, items: DigestItem[]): RenderedContent;
}

type ChannelTemplate = Partial<Record<TemplateField, string>>;
type Rendered = Partial<Record<TemplateField, string>>;

function renderFields(compiler: TemplateCompiler, template: ChannelTemplate, base: { template?: string; channel: Channel; path: string }, data: object): Rendered {
  const out: Rendered = {};
  for (const field of TEMPLATE_FIELDS) {
    const source = template[field];
    if (source === undefined) continue;
    const ref = { template: base.template, channel: base.channel, field, path: `${base.path}.${field}` };
    out[field] = nonBlank(compiler.compile(ref, source)(data));
  }
  return out;
}

function templateFor(config: Pick<HeraldConfig, 'templates'>, name: string, channel: Channel): ChannelTemplate | undefined {
  // Own properties only: an event type such as "constructor" must not find Object's prototype.
  if (!Object.hasOwn(config.templates, name)) return undefined;
  const byChannel = config.templates[name] as Partial<Record<Channel, ChannelTemplate>>;
  return Object.hasOwn(byChannel, channel) ? byChannel[channel] : undefined;
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
 * Creates the renderer for one validated config. Templates compile on first use and stay
 * cached for the life of the renderer; run {@link checkTemplates} at start-up to catch broken
 * ones before the first event.
 */
export function createRenderer(config: Pick<HeraldConfig, 'templates' | 'digestTemplates'>): Renderer {
  const compiler = createTemplateCompiler();

  return {
    render({ templateName, channel, event, locale }) {
      const template = templateFor(config, templateName, channel);
      const payload = event.payload;
      if (!template && fallbackText(payload) === undefined) throw missingTemplate(templateName, channel);

      const data = { id: event.id, type: event.type, priority: event.priority, createdAt: event.createdAt, locale, payload };
      const base = { template: templateName, channel, path: `templates.${templateName}.${channel}` };
      const out = template ? renderFields(compiler, template, base, data) : {};
      const title = out.title ?? out.subject ?? fallbackTitle(payload, event.type);
      const text = out.text ?? fallbackText(payload) ?? '';
      return { title, subject: out.subject ?? out.title ?? title, text, html: out.html ?? textToHtml(text) };
    },

    renderDigest(channel, items) {
      const defaults = defaultDigest(items);
      const template = Object.hasOwn(config.digestTemplates, channel) ? config.digestTemplates[channel] : undefined;
      if (!template) return defaults;
      const out = renderFields(compiler, template, { channel, path: `digestTemplates.${channel}` }, { items, count: items.length });
      const text = out.text ?? defaults.text;
      return {
        subject: out.subject ?? out.title ?? defaults.subject,
        title: out.title ?? out.subject ?? defaults.title,
        text,
        // A custom text without a custom html: show that text rather than the default list.
        html: out.html ?? (out.text ? textToHtml(text) : defaults.html),
      };
    },
  };
}
