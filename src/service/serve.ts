import { loadConfig } from './load-config';
import { loadEnv } from '../config/env';
import { describeError } from '../shared/errors';
import { ignoreTimeoutNegativeWarning } from '../kafka/ignore-timeout-warning';
import { createLogger } from '../shared/logger';
import { startTracing } from '../tracing/start-tracing';
import { startService, type ServiceOptions } from './start-service';

/**
 * `npm start`'s process: the worker and the HTTP API, configured by the environment.
 * SIGTERM/SIGINT stop intake, let in-flight work finish, commit, and exit within `shutdown.timeoutMs`.
 * `options` is for harnesses that run the real process with an egress route of their own (the
 * chaos run's local FCM); src/main.ts passes none.
 */
export async function serve(options: Pick<ServiceOptions, 'fcmAgent'> = {}): Promise<void> {
  // kafkajs's negative timeouts are harmless and would fill the worker's stderr.
  ignoreTimeoutNegativeWarning();
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  // Schema, cross-field checks and templates: exactly what `herald config check` reports.
  const config = await loadConfig(env.HERALD_CONFIG);
  // Before the service, so the first event consumed is traced; a no-op without OTEL_EXPORTER_OTLP_ENDPOINT.
  const tracing = startTracing({ endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME, logger });
  const service = await startService({ env, config, logger, ...options });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutdown requested', { signal, timeoutMs: config.shutdown.timeoutMs });
    const timer = setTimeout(() => {
      // Whatever was not committed is redelivered to another worker; the send ledger prevents duplicates.
      logger.error('shutdown took too long; exiting with work abandoned for redelivery', { timeoutMs: config.shutdown.timeoutMs });
      process.exit(1);
    }, config.shutdown.timeoutMs);
    timer.unref();
    // Spans of the last events are exported once the service has finished them.
    service
      .stop()
      .then(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('shutdown failed', { error: describeError(error) });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
