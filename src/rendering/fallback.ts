import Handlebars from 'handlebars';

/**
 * A payload value usable as text: a non-blank string, or a number or boolean written out.
 * Anything else (objects, arrays, blanks) counts as missing so the next fallback applies.
 */
export function payloadText(payload: Record<string, unknown>, key: string): string | undefined {
  const value = Object.hasOwn(payload, key) ? payload[key] : undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Title and subject when the template gives none: `payload.title`, else the event type. */
export function fallbackTitle(payload: Record<string, unknown>, eventType: string): string {
  return payloadText(payload, 'title') ?? eventType;
}

/** Body when the template gives none: `payload.message`, else `payload.body`, else `payload.title`. */
export function fallbackText(payload: Record<string, unknown>): string | undefined {
  return payloadText(payload, 'message') ?? payloadText(payload, 'body') ?? payloadText(payload, 'title');
}

/** Escapes plain text for HTML and keeps its line breaks. */
export function escapeLines(text: string): string {
  return Handlebars.escapeExpression(text).replace(/\r?\n/g, '<br>');
}

/** The HTML part of an email whose template has no `html`: the escaped text in one paragraph. */
export function textToHtml(text: string): string {
  return `<p>${escapeLines(text)}</p>`;
}

/** Treats a value that rendered blank (a template over a missing payload field) as missing. */
export function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
