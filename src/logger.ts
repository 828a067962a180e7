import winston from 'winston';

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
const SECRET_SUFFIXES = ['token', 'tokens', 'secret', 'secrets', 'password', 'passwd', 'apikey', 'apikeys', 'cookie', 'cookies', 'credential', 'credentials', 'privatekey', 'signature'];

/** Provider-issued ids (Twilio SIDs, SMTP Message-IDs `<hex@herald>`) and trace ids, which on-call looks up as they are. */
const OPAQUE_ID_FIELDS = new Set(['providermessageid', 'traceid', 'spanid']);

const normalise = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
const isSecretField = (key: string) => {
  const k = normalise(key);
  return SECRET_FIELDS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
};

/** A run of 32+ url-safe characters is an opaque token when it looks random rather than like a readable id. */
function tokenOrKept(run: string): string {
  const longestPart = Math.max(...run.split(/[-_]/).map((p) => p.length));
  const mixed = /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run);
  // Twilio message SIDs (SM/MM + 32 hex) name a message, not a credential.
  if (/^(?:SM|MM|MG)[0-9a-f]{32}$/.test(run)) return run;
  return longestPart >= 20 || mixed ? '[token]' : run;
}

/** A phone number candidate counts when it has as many digits as a real one. */
const phoneIfDigits = (min: number, max: number) => (match: string) => {
  const digits = match.replace(/\D/g, '').length;
  return digits >= min && digits <= max ? '[phone]' : match;
};

type Replacement = string | ((match: string, ...groups: string[]) => string);

/**
 * Text rules, in order: credentials first (so `user:pass@host` is not read as an email), then
 * bearer and webhook secrets, FCM tokens, emails, phone numbers, and last any long opaque token.
 * `mayMatch` is a cheap test a text must pass for the pattern to have a chance: most logged strings
 * (ids, enums, messages) have no `@`, `+`, `=` or 32-character run, and every log line has a dozen
 * strings, so skipping the scans halves the cost of a line (measured in BENCHMARKS.md).
 */
const TEXT_RULES: { pattern: RegExp; replacement: Replacement; mayMatch?: (text: string) => boolean }[] = [
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, replacement: '$1[credentials]@', mayMatch: (t) => t.includes('://') },
  { pattern: /([?&](?:access_token|token|api_key|apikey|key|secret|password|sig|signature)=)[^&\s#"']+/gi, replacement: '$1[token]', mayMatch: (t) => t.includes('=') },
  { pattern: /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, replacement: '$1 [token]' },
  { pattern: /\b(Basic)\s+[A-Za-z0-9+/=]{8,}/gi, replacement: '$1 [token]' },
  { pattern: /\bwhsec_[A-Za-z0-9+/=_-]+/g, replacement: '[token]', mayMatch: (t) => t.includes('whsec_') },
  { pattern: /(?<![\w-])[A-Za-z0-9_-]{8,}:APA91[A-Za-z0-9_-]+/g, replacement: '[token]', mayMatch: (t) => t.includes(':APA91') },
  { pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*/g, replacement: '[email]', mayMatch: (t) => t.includes('@') },
  { pattern: /(?<![\w+])\+\d(?:[\s.()-]{0,2}\d){6,14}(?!\d)/g, replacement: phoneIfDigits(7, 15), mayMatch: (t) => t.includes('+') },
  {
    pattern: /\b((?:number|phone|tel|mobile|msisdn|sms)\b[^\w\n]{0,5})(\d[\d\s.-]{8,17}\d)(?!\d)/gi,
    replacement: (_m, lead: string, digits: string) => lead + phoneIfDigits(10, 15)(digits),
  },
  { pattern: /(?<![\w.-])(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}(?![\w-])/g, replacement: '[phone]' },
  { pattern: /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g, replacement: tokenOrKept, mayMatch: (t) => t.length >= 32 },
];

/** `text` with addresses, phone numbers, credentials and tokens replaced by `[email]`, `[phone]`, `[credentials]`, `[token]`. */
export function redactText(text: string): string {
  // Nothing shorter than `a@b` can match a rule.
  if (text.length < 3) return text;
  let out = text;
  for (const { pattern, replacement, mayMatch } of TEXT_RULES) {
    if (mayMatch && !mayMatch(out)) continue;
    out = out.replace(pattern, replacement as (m: string) => string);
  }
  return out;
}

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
