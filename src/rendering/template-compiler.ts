import Handlebars from 'handlebars';
import type { Channel } from '../contract/vocabulary';
import { PermanentError, describeError } from '../shared/errors';
import { checkUrl } from './safe-url';

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

/** A link the `url` helper refused: where, and the scheme (never the URL, which may carry a token). */
export interface UnsafeUrl {
  /** Config path of the template field, e.g. `templates.password-reset.email.html`. */
  path: string;
  /** The refused scheme, lower case (`javascript`, `data`…). */
  scheme: string;
  /** The event rendered, when it is one (a digest has none). */
  eventId?: string;
}

/** Options of {@link createTemplateCompiler}. */
export interface TemplateCompilerOptions {
  /** Called each time `{{url …}}` refuses a link while rendering (the link renders as `''`). Default: nothing. */
  onUnsafeUrl?: (unsafe: UnsafeUrl) => void;
}

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

/** What a render passes to its helpers in Handlebars' private data (`options.data`). */
interface RenderData {
  heraldUnsafeUrl?: (scheme: string) => void;
}

/**
 * `{{url payload.link}}`: the link if it is http(s), mailto or relative, else `''` (see checkUrl),
 * reported through the render's `heraldUnsafeUrl`. In an `html` field Handlebars escapes the result
 * like any `{{…}}`; use it for every value in an `href` or `src` (checkTemplates insists).
 */
function urlHelper(...args: unknown[]): string {
  const options = args.at(-1) as { data?: RenderData };
  // `{{url}}` alone passes only the options: no link to give.
  const { url, refused } = checkUrl(args.length > 1 ? args[0] : undefined);
  if (refused !== undefined) options.data?.heraldUnsafeUrl?.(refused);
  return url;
}

/**
 * Creates a compiler with its own Handlebars environment, so helpers registered elsewhere
 * never change how herald renders. Templates get one helper: `url` (see {@link urlHelper}).
 */
export function createTemplateCompiler(options: TemplateCompilerOptions = {}): TemplateCompiler {
  const hb = Handlebars.create();
  hb.registerHelper('url', urlHelper);
  const cache = new Map<string, RenderField>();

  return {
    compile(ref, source) {
      const cached = cache.get(ref.path);
      if (cached) return cached;
      const compileOptions = { noEscape: ref.field !== 'html', strict: false };
      let delegate: HandlebarsTemplateDelegate;
      try {
        // Handlebars compiles lazily on first call; precompile surfaces syntax errors here instead.
        hb.precompile(source, compileOptions);
        delegate = hb.compile(source, compileOptions);
      } catch (error) {
        throw templateError(ref, 'does not compile', error);
      }
      const render: RenderField = (data) => {
        try {
          const eventId = typeof (data as { id?: unknown }).id === 'string' ? (data as { id: string }).id : undefined;
          const report = (scheme: string) => options.onUnsafeUrl?.({ path: ref.path, scheme, ...(eventId === undefined ? {} : { eventId }) });
          return delegate(data, { data: { heraldUnsafeUrl: report } satisfies RenderData });
        } catch (error) {
          throw templateError(ref, 'failed while rendering', error);
        }
      };
      cache.set(ref.path, render);
      return render;
    },
  };
}
