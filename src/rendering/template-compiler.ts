import Handlebars from 'handlebars';
import type { Channel } from '../contract/event-v1';
import { PermanentError, describeError } from '../errors';

/** The fields a channel template may set (see `templateSchema` in src/config/schema.ts). */
export const TEMPLATE_FIELDS = ['subject', 'text', 'html', 'title'] as const;
/** One field of a channel template. */
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** Where a template source sits in the config; every error names it so the reader finds the line. */
export interface TemplateRef {
  /** Template name, or `undefined` for a digest template. */
  template?: string;
  /** Locale the template is written in (the `locales` key, else `defaultLocale`); omitted for `digestTemplates`. */
  locale?: string;
  channel: Channel;
  field: TemplateField;
  /** Config path, e.g. `templates.alert.locales.fr.email.subject` or `digestTemplates.email.text`. */
  path: string;
}

/** A compiled template field: data in, string out; a Handlebars failure becomes a PermanentError. */
export type RenderField = (data: object) => string;

/** A compiler that compiles each config path once and keeps the result. */
export interface TemplateCompiler {
  /**
   * Compiles `source` (cached by `ref.path`). Only the `html` field is HTML-escaped; subject,
   * text and title are plain text, so `&` stays `&` in an SMS or a subject line.
   * @throws PermanentError `template_error` when the source does not compile.
   */
  compile(ref: TemplateRef, source: string): RenderField;
}

/** Human-readable name of a template field for error messages. */
export function describeRef(ref: TemplateRef): string {
  const owner = ref.template === undefined ? 'Digest template' : `Template "${ref.template}"`;
  const locale = ref.locale === undefined ? '' : `locale ${ref.locale}, `;
  return `${owner} (${locale}channel ${ref.channel}, field ${ref.field})`;
}

function templateError(ref: TemplateRef, what: string, error: unknown): PermanentError {
  const detail = error instanceof Error ? error.message : describeError(error);
  return new PermanentError(`${describeRef(ref)} ${what}: ${detail}. Fix ${ref.path} in the config.`, 'template_error', error);
}

/**
 * Creates a compiler with its own Handlebars environment, so helpers registered elsewhere
 * never change how herald renders.
 */
export function createTemplateCompiler(): TemplateCompiler {
  const hb = Handlebars.create();
  const cache = new Map<string, RenderField>();

  return {
    compile(ref, source) {
      const cached = cache.get(ref.path);
      if (cached) return cached;
      const options = { noEscape: ref.field !== 'html', strict: false };
      let delegate: HandlebarsTemplateDelegate;
      try {
        // Handlebars compiles lazily on first call; precompile surfaces syntax errors here instead.
        hb.precompile(source, options);
        delegate = hb.compile(source, options);
      } catch (error) {
        throw templateError(ref, 'does not compile', error);
      }
      const render: RenderField = (data) => {
        try {
          return delegate(data);
        } catch (error) {
          throw templateError(ref, 'failed while rendering', error);
        }
      };
      cache.set(ref.path, render);
      return render;
    },
  };
}
