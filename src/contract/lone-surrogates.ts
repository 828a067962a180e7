import { escapeControls } from '../shared/control-chars';

/** `text` with each lone surrogate written out as `\ud800`, so a path naming one is itself valid text. */
function visible(text: string): string {
  return escapeControls(text.replace(/\p{Cs}/gu, (s) => `\\u${s.charCodeAt(0).toString(16)}`));
}

/**
 * The path (`payload.items.2.title`, `recipients.1`) of the first string or key in `value` that is
 * not well-formed Unicode, or undefined when every one is. JSON may escape a lone surrogate
 * (`"\ud800"`), which JSON.parse hands over as is, but no UTF-8 store holds one: Redis's cjson
 * refused the delivery records of such an event, so its handling failed on every try. Iterative
 * like `nestsDeeperThan`, and meant to run after it (the depth is then bounded).
 */
export function pathOfLoneSurrogate(value: unknown): string | undefined {
  const stack: [unknown, string[]][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return path.map(visible).join('.') || '(root)';
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    for (const [key, child] of Object.entries(v)) {
      if (!key.isWellFormed()) return [...path, key].map(visible).join('.');
      stack.push([child, [...path, key]]);
    }
  }
  return undefined;
}
