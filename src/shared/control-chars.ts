/**
 * Characters that change how text is shown instead of being shown: C0 controls (ESC starts terminal
 * escape sequences, CR returns to the start of a line), DEL, C1 controls (U+009B is a one-byte CSI),
 * and the Unicode bidi controls — embeddings and overrides (U+202A–U+202E), isolates
 * (U+2066–U+2069), the marks U+200E/U+200F and the Arabic letter mark U+061C — which reorder what
 * follows them, so a right-to-left override makes `gpj.exe` read as `exe.jpg`.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * What {@link stripControls} removes: the same set less tab, line feed and carriage return (a body's
 * layout) and less the three marks, which only steer the neutral characters next to them and which
 * right-to-left text needs.
 */
// eslint-disable-next-line no-control-regex -- as above
const STRIPPED = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `\x1b` for a C0 control, `\u009b` or `\u202e` for the others: readable, spelled as in source
 * code, and valid JSON escapes with the same meaning, so escaping the output of `JSON.stringify`
 * (which writes C0 controls as `\u001b` itself) keeps it valid JSON with the same value.
 */
function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control and bidi character written out visibly (`evt\x1b[2J`, `\u202e`), so a
 * value from an event, a letter or Redis cannot clear a terminal, move its cursor or disguise a
 * line. Newlines and tabs are escaped too (`\x0a`): a value never starts a line of its own.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL_CHARS, visible);
}

/** `text` without any character of the set, line breaks and marks included: for values such as URLs, where none belongs. */
export function removeControls(text: string): string {
  return text.replace(CONTROL_CHARS, '');
}

/** Like {@link escapeControls}, but keeps the newlines: for a block whose line breaks the program wrote itself. */
export function escapeControlsKeepingLines(text: string): string {
  return text.split('\n').map(escapeControls).join('\n');
}

/**
 * `text` without C0 and C1 controls, DEL, bidi embeddings, overrides and isolates: what a subject,
 * an SMS or a push notification may show. `multiline` keeps tabs and line breaks (a body's layout);
 * otherwise each run of them becomes one space (a subject, a title). The marks U+200E, U+200F and
 * U+061C stay (see {@link STRIPPED}).
 */
export function stripControls(text: string, multiline: boolean): string {
  const flat = multiline ? text : text.replace(/[\t\r\n]+/g, ' ');
  return flat.replace(STRIPPED, '');
}
