import type { RenderedContent } from '../channels/types';
import type { HeraldConfig } from '../config/schema';
import type { Channel } from '../contract/vocabulary';
import { PermanentError } from '../shared/errors';
import { fallbackText, fallbackTitle } from './fallback';
import { resolveTemplate } from './locale-fallback';
import { finish, renderFields } from './render-parts';
import { createTemplateCompiler, type TemplateCompilerOptions } from './template-compiler';

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

/** The parts of the config the renderer reads. */
export type RendererConfig = Pick<HeraldConfig, 'templates' | 'digestTemplates' | 'defaultLocale' | 'attribution' | 'channels'>;

/** Renders deliveries from the configured templates (digests: src/digests/render-digest.ts). */
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

  return { render };
}
