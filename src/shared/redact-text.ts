/**
 * The string side of redaction: emails, phone numbers, credentials and tokens inside any text
 * (log lines, span events, `herald dlq show`). The text is a producer's, an API client's or a
 * provider's, so every rule runs in time linear in it: a pattern either matches from a bounded
 * set of starts (each `+`, each keyword), consumes what it scans, or may only start at the
 * beginning of a run of its characters (a lookbehind), so a run that fails is scanned once,
 * not once from each of its characters (issue 15: a 50 KB `aaaa… @` took 3.2 s).
 */

/** A run of 32+ url-safe characters is an opaque token when it looks random rather than like a readable id. */
function tokenOrKept(run: string): string {
  const mixed = /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run);
  // Twilio message SIDs (SM/MM + 32 hex) name a message, not a credential.
  if (/^(?:SM|MM|MG)[0-9a-f]{32}$/.test(run)) return run;
  return longestPart(run) >= 20 || mixed ? '[token]' : run;
}

/** Length of the longest part of `run` between `-` and `_`, in a loop: spreading 100,000+ parts into Math.max overflows the stack. */
function longestPart(run: string): number {
  let longest = 0;
  let current = 0;
  for (let i = 0; i < run.length; i += 1) {
    const c = run.charCodeAt(i);
    current = c === 0x2d || c === 0x5f ? 0 : current + 1;
    longest = Math.max(longest, current);
  }
  return longest;
}

/** A phone number candidate counts when it has as many digits as a real one. */
const phoneIfDigits = (min: number, max: number) => (match: string) => {
  const digits = match.replace(/\D/g, '').length;
  return digits >= min && digits <= max ? '[phone]' : match;
};

/** Whether `c` (a char code) may be in an email's local part: `[A-Za-z0-9._%+-]`. */
function isLocalPartChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d;
}

/** An email's domain, matched where it must start (just after the `@`). */
const EMAIL_DOMAIN = /[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*/y;

/**
 * Emails become `[email]`: the matches of `/[A-Za-z0-9._%+-]+@<EMAIL_DOMAIN>/g`, found from each
 * `@` outwards. That regex tried every character of a local-part run not followed by `@` and
 * rescanned the run from each; a lookbehind would miss an address right after another
 * (`a@b.c%d@e.f`). Neither side of an `@` reaches past the `@` before or after it, so each
 * character is read at most twice.
 */
function redactEmails(text: string): string {
  let out = '';
  let copied = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > copied && isLocalPartChar(text.charCodeAt(start - 1))) start -= 1;
    EMAIL_DOMAIN.lastIndex = at + 1;
    if (start === at || !EMAIL_DOMAIN.test(text)) continue;
    out += `${text.slice(copied, start)}[email]`;
    copied = EMAIL_DOMAIN.lastIndex;
  }
  return out + text.slice(copied);
}

/**
 * `scheme://user:pass@` in a URL, `$1` being the scheme and `://`. The scheme is
 * `\b[a-z][a-z0-9+.-]*`, but the match starts only where the run of scheme characters does (the
 * lookbehind), once a lookahead has seen `://` after the run; the second lookahead then checks
 * that a `\b` letter starts the run or follows one of its `+.-`, and, being atomic, is not tried
 * again for each `+.-` when no `user:pass@` follows (`\1` takes what it matched). Starting at
 * each word boundary instead scanned `a.a.a….a://x…` once from each `a`. The text replaced is
 * the same, since `$1` keeps the whole run.
 */
const CREDENTIALS = /(?<![a-z0-9+.-])(?=[a-z0-9+.-]*:\/\/)(?=((?<!\w)[a-z][a-z0-9+.-]*:\/\/|[a-z0-9+.-]*[+.-][a-z][a-z0-9+.-]*:\/\/))\1[^\s/?#@]+@/gi;

type Replacement = string | ((match: string, ...groups: string[]) => string);

interface TextRule {
  redact: (text: string) => string;
  /** A cheap test a text must pass for the rule to have a chance. */
  mayMatch?: (text: string) => boolean;
}

const replacing = (pattern: RegExp, replacement: Replacement, mayMatch?: (text: string) => boolean): TextRule => ({
  redact: (text) => text.replace(pattern, replacement as (m: string) => string),
  mayMatch,
});

/**
 * Text rules, in order: credentials first (so `user:pass@host` is not read as an email), then
 * bearer and webhook secrets, FCM tokens, emails, phone numbers, and last any long opaque token.
 * `mayMatch` is a cheap test a text must pass for the pattern to have a chance: most logged strings
 * (ids, enums, messages) have no `@`, `+`, `=` or 32-character run, and every log line has a dozen
 * strings, so skipping the scans halves the cost of a line (measured in BENCHMARKS.md).
 */
const TEXT_RULES: TextRule[] = [
  replacing(CREDENTIALS, '$1[credentials]@', (t) => t.includes('://')),
  replacing(/([?&](?:access_token|token|api_key|apikey|key|secret|password|sig|signature)=)[^&\s#"']+/gi, '$1[token]', (t) => t.includes('=')),
  replacing(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [token]'),
  replacing(/\b(Basic)\s+[A-Za-z0-9+/=]{8,}/gi, '$1 [token]'),
  replacing(/\bwhsec_[A-Za-z0-9+/=_-]+/g, '[token]', (t) => t.includes('whsec_')),
  replacing(/(?<![\w-])[A-Za-z0-9_-]{8,}:APA91[A-Za-z0-9_-]+/g, '[token]', (t) => t.includes(':APA91')),
  { redact: redactEmails, mayMatch: (t) => t.includes('@') },
  replacing(/(?<![\w+])\+\d(?:[\s.()-]{0,2}\d){6,14}(?!\d)/g, phoneIfDigits(7, 15), (t) => t.includes('+')),
  replacing(
    /\b((?:number|phone|tel|mobile|msisdn|sms)\b[^\w\n]{0,5})(\d[\d\s.-]{8,17}\d)(?!\d)/gi,
    (_m, lead: string, digits: string) => lead + phoneIfDigits(10, 15)(digits),
  ),
  replacing(/(?<![\w.-])(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}(?![\w-])/g, '[phone]'),
  replacing(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g, tokenOrKept, (t) => t.length >= 32),
];

/**
 * `text` with addresses, phone numbers, credentials and tokens replaced by `[email]`, `[phone]`,
 * `[credentials]`, `[token]`. Linear in the length of `text`.
 */
export function redactText(text: string): string {
  // Nothing shorter than `a@b` can match a rule.
  if (text.length < 3) return text;
  let out = text;
  for (const { redact, mayMatch } of TEXT_RULES) {
    if (mayMatch && !mayMatch(out)) continue;
    out = redact(out);
  }
  return out;
}
