import type { RenderedContent } from '../channels/types';
import type { Channel } from '../contract/vocabulary';
import { stripControls } from '../shared/control-chars';
import { addTracking } from './attribution';
import { nonBlank, textToHtml } from './fallback';
import { applyPushLimits, checkSmsLength, type SmsSource } from './limits';
import type { ResolvedTemplate } from './locale-fallback';
import type { RendererConfig } from './render';
import { TEMPLATE_FIELDS, type TemplateCompiler, type TemplateField } from './template-compiler';

/*
 * The steps every rendering shares, one event's or one digest's (src/digests/render-digest.ts):
 * render a template's fields, clean the plain text, add tracking parameters, derive html from
 * text, and apply the channel's limits.
 */

/** The fields a template rendered. */
export type Rendered = Partial<Record<TemplateField, string>>;
/** Content before attribution and channel limits; `html` undefined means "derive it from text". */
export type Draft = Omit<RenderedContent, 'html'> & { html?: string };

/** Renders every field a channel template sets, with `data`; each compiled once by `compiler`. */
export function renderFields(compiler: TemplateCompiler, resolved: ResolvedTemplate, template: string | undefined, channel: Channel, data: object): Rendered {
  const out: Rendered = {};
  for (const field of TEMPLATE_FIELDS) {
    const source = resolved.template[field];
    if (source === undefined) continue;
    const ref = { template, locale: resolved.locale, channel, field, path: `${resolved.path}.${field}` };
    out[field] = nonBlank(compiler.compile(ref, source)(data));
  }
  return out;
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
export function finish(config: RendererConfig, channel: Channel, raw: Draft, campaign: string, sms: Omit<SmsSource, 'tracked'>): RenderedContent {
  const draft = plainText(raw);
  const utm = config.attribution.channels[channel];
  let content: RenderedContent = { ...draft, html: draft.html ?? '' };
  if (utm) content = addTracking(content, { utm_source: utm.utm_source, utm_medium: utm.utm_medium, utm_campaign: campaign }, config.attribution.domains);
  if (draft.html === undefined) content.html = textToHtml(content.text);
  if (channel === 'push') content = applyPushLimits(content, config.channels.push);
  if (channel === 'sms') checkSmsLength(content.text, config.channels.sms.maxSegments, { ...sms, tracked: utm !== undefined });
  return content;
}
