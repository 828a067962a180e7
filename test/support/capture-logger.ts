import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../src/shared/logger';

/**
 * herald's own logger (same redaction and JSON format) writing every line, debug included, into
 * memory, so a test can assert on decisions and on what never reaches a log. With
 * HERALD_TEST_LOGS=1 the lines also go to the console.
 */
export function captureLogger(): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const raw: string[] = [];
  const logger = createLogger('debug');
  if (!process.env.HERALD_TEST_LOGS) logger.clear();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  logger.add(new winston.transports.Stream({ stream: sink }));
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>), text: () => raw.join('\n') };
}
