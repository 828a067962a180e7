import winston from 'winston';
import { redactText } from './redact-text';

export { redactText } from './redact-text';

/** The logger every module receives; one JSON line per decision. */
export type Logger = winston.Logger;

/** What a secret field's value becomes. */
const REDACTED = '[redacted]';

/**
 * Field names (compared lower-case, without `-` and `_`) whose values never reach a log line,
 * whatever their type: addresses, phone numbers, tokens and message bodies.
 */
const SECRET_FIELDS = new Set([
  ...['address', 'addresses', 'email', 'emails', 'emailaddress', 'phone', 'phones', 'phonenumber', 'phonenumbers', 'mobile', 'msisdn'],
  ...['to', 'cc', 'bcc', 'replyto', 'pushtokens', 'authorization', 'proxyauthorization'],
  ...['body', 'html', 'text', 'subject', 'title', 'content', 'payload', 'raw', 'attachments'],
]);

/** Name endings that mark a secret whatever comes before (`deviceToken`, `x-api-key`, `webhookSecrets`, `set-cookie`). */
const SECRET_SUFFIXES = [
  'token',
  'tokens',
  'secret',
  'secrets',
  'password',
  'passwd',
  'apikey',
  'apikeys',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'privatekey',
  'signature',
];

/** Provider-issued ids (Twilio SIDs, SMTP Message-IDs `<hex@herald>`) and trace ids, which on-call looks up as they are. */
const OPAQUE_ID_FIELDS = new Set(['providermessageid', 'traceid', 'spanid']);

const normalise = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
const isSecretField = (key: string) => {
  const k = normalise(key);
  return SECRET_FIELDS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
};

/** Past this depth a value is summarised: log meta is never that deep unless something went wrong. */
const MAX_DEPTH = 12;

/** A redacted copy of `value`; `path` holds the objects above it, to cut cycles. */
function redactValue(value: unknown, path: Set<object>, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (path.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof Date) return value;
  path.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, path, depth + 1));
    if (value instanceof Error) return redactFields(errorFields(value), path, depth);
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return redactValue((value as { toJSON: () => unknown }).toJSON(), path, depth + 1);
    return redactFields(value as Record<string, unknown>, path, depth);
  } finally {
    path.delete(value);
  }
}

/** An Error's name, message, own properties (code, responseCode…), stack and cause, as a plain object. */
function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  for (const key of Object.keys(error)) fields[key] = (error as unknown as Record<string, unknown>)[key];
  if (error.stack) fields.stack = error.stack;
  if (error.cause !== undefined) fields.cause = error.cause;
  return fields;
}

function redactFields(source: Record<string, unknown>, path: Set<object>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (isSecretField(key)) out[key] = REDACTED;
    else if (OPAQUE_ID_FIELDS.has(normalise(key)) && typeof value === 'string') out[key] = value;
    else out[key] = redactValue(value, path, depth + 1);
  }
  return out;
}

/**
 * The redaction format: a copy of the log record (winston passes meta objects by reference, so
 * the caller's objects are never changed) in which
 * - every field named like a secret (address, email, phone, to/cc/bcc, any `…token`, `…secret`,
 *   `…apiKey`, `…password`, cookie, authorization, body/html/text/subject/content/payload), at any
 *   depth, in arrays and in Error objects, case-insensitive, becomes `[redacted]`;
 * - every other string (the message and error texts included) has emails, phone numbers,
 *   `user:pass@` in URLs, bearer and `whsec_` secrets and long opaque tokens (FCM tokens, keys)
 *   replaced by `[email]`, `[phone]`, `[credentials]@` and `[token]`.
 * Ids herald logs (event ids, `direct:<hash>` recipient ids, UUIDs, topics, offsets, ISO times) stay readable.
 */
export const redact = winston.format((info) => {
  const path = new Set<object>([info]);
  const out = redactFields(info, path, 0) as winston.Logform.TransformableInfo;
  // winston's own fields (level, splat, the formatted message) travel under symbols.
  for (const symbol of Object.getOwnPropertySymbols(info)) out[symbol] = info[symbol];
  return out;
});

/**
 * Builds the service logger: JSON lines on stdout (stderr for errors, so on-call can tail either).
 * @param level winston level, from `LOG_LEVEL`.
 */
export function createLogger(level: string, silent = false): Logger {
  return winston.createLogger({
    level,
    silent,
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: 'herald' },
    transports: [new winston.transports.Console({ stderrLevels: ['error'] })],
  });
}
