import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import type { Producer } from 'kafkajs';
import winston from 'winston';
import { createLogger, type Logger } from '../../../src/shared/logger';
import { uniqueName } from '../../support/infra';
import { getJson } from './http-calls';

/**
 * How the suite judges that herald stayed responsive. The service runs in the test process, so
 * the event loop it shares with the test is measured directly; a canary event shows the pipeline moves.
 */

/**
 * Starts watching the event loop; `stop()` returns its largest delay since, in ms: the larger of
 * perf_hooks' histogram and the longest gap between ticks of a 10 ms interval (two measures, so a
 * stall one of them misses is still seen).
 */
export function watchEventLoop(): { stop(): number } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let last = performance.now();
  let longestGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last - 10);
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(ticker);
      histogram.disable();
      return Math.round(Math.max(histogram.max / 1e6, longestGap, performance.now() - last - 10));
    },
  };
}

/** Records unhandled rejections and uncaught exceptions until `uninstall()`. */
export function watchProcessErrors(): { seen: string[]; uninstall(): void } {
  const seen: string[] = [];
  const onRejection = (reason: unknown) => void seen.push(`unhandledRejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  const onException = (error: Error) => void seen.push(`uncaughtException: ${error.stack ?? error.message}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    uninstall() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/**
 * herald's logger as it runs in production (level info, every line redacted and formatted as JSON),
 * writing nowhere: the cost of logging hostile values is part of what is measured. Error lines are
 * kept (at most 50), to say in a failure what the service itself reported.
 */
export function productionLogger(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  const logger = createLogger('info');
  if (!process.env.HERALD_TEST_LOGS) logger.clear();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const line = chunk.toString('utf8');
      if (errors.length < 50 && line.includes('"level":"error"')) errors.push(line.slice(0, 500));
      callback();
    },
  });
  logger.add(new winston.transports.Stream({ stream: sink }));
  return { logger, errors };
}

/**
 * Publishes one critical in-app event to `user` and waits for it in the user's inbox.
 * @returns ms from publishing to seeing it delivered, or undefined when it was not within `boundMs`.
 */
export async function deliverCanary(producer: Producer, topic: string, url: string, user: string, boundMs: number): Promise<number | undefined> {
  const id = uniqueName('canary');
  const event = {
    version: 2,
    id,
    type: 'alert',
    priority: 'critical',
    recipients: [user],
    channels: ['in_app'],
    payload: { title: 'Canary', message: 'still moving' },
    createdAt: new Date().toISOString(),
  };
  const started = performance.now();
  await producer.send({ topic, acks: -1, messages: [{ key: user, value: JSON.stringify(event) }] });
  while (performance.now() - started < boundMs) {
    const { status, body } = await getJson(url, `/api/users/${user}/inbox?limit=20`);
    if (status === 200 && (body.items as { eventId: string }[]).some((item) => item.eventId === id)) return Math.round(performance.now() - started);
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}
