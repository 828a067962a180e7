import winston from 'winston';

/** The logger every module receives; one JSON line per decision. */
export type Logger = winston.Logger;

/** Field names whose values never reach a log line: addresses, phone numbers, tokens, bodies. */
const SECRET_FIELDS = new Set(['address', 'email', 'phone', 'token', 'pushtokens', 'body', 'html', 'text', 'payload', 'password', 'authorization']);

/** Replaces secret fields anywhere in a log record with `[redacted]`. */
export const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_FIELDS.has(key.toLowerCase())) info[key] = '[redacted]';
  }
  return info;
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
