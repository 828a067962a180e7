import { HttpError } from './http-error';

/** One object met while walking a parsed body, linked to its parent so a path is built only when needed. */
interface Step {
  value: unknown;
  key: string;
  parent: Step | null;
}

/** The keys from the body's root down to `step` (a loop: the chain may be 100,000 long). */
function pathOf(step: Step): string[] {
  const keys: string[] = [];
  for (let at: Step | null = step; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse();
}

/**
 * The path of the first key that would poison a prototype, as fastify's default parser (secure-json-parse)
 * refuses them: an own `__proto__` key, or a `constructor` object with a `prototype` key. Iterative and
 * linked (no path copied per level): a body may nest 100,000 levels.
 */
function poisonedPath(value: unknown): string | undefined {
  const stack: Step[] = [{ value, key: '', parent: null }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const v = step.value;
    if (typeof v !== 'object' || v === null) continue;
    if (Object.hasOwn(v, '__proto__')) return [...pathOf(step), '__proto__'].join('.');
    const ctor = (v as { constructor?: unknown }).constructor;
    if (Object.hasOwn(v, 'constructor') && typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype'))
      return [...pathOf(step), 'constructor', 'prototype'].join('.');
    for (const [key, child] of Object.entries(v)) stack.push({ value: child, key, parent: step });
  }
  return undefined;
}

const SEND_JSON = 'send one JSON object with Content-Type: application/json';

/**
 * Parses a JSON request body, refusing the keys fastify's own parser refused, and saying which
 * problem it is: fastify answered a syntax error, a `__proto__` key and a `constructor.prototype` all
 * with the same "not valid JSON", so a client whose valid body held `payload.__proto__` was sent to
 * look for a syntax error.
 * @throws HttpError 400 `malformed_json` (empty, or the parser's message) or `forbidden_key` (naming the key's path).
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new HttpError(400, 'malformed_json', `the request body is empty; ${SEND_JSON}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'malformed_json', `the request body is not valid JSON (${(error as Error).message.slice(0, 200)}); ${SEND_JSON}`);
  }
  const path = poisonedPath(value);
  if (path !== undefined) {
    throw new HttpError(
      400,
      'forbidden_key',
      `the request body holds the key ${path}, which herald refuses: such a key can set an object's prototype. Rename it and send again`,
    );
  }
  return value;
}
