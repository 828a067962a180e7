import { loadConfig } from './config/load-config';
import { loadEnv } from './env';
import { describeError, messageOf } from './errors';
import { createLogger } from './logger';
import { startService } from './service/start-service';
import { startTracing } from './tracing/start-tracing';

/**
 * `npm start`: the worker and the HTTP API in one process, configured by the environment.
 * SIGTERM/SIGINT stop intake, let in-flight work finish, commit, and exit within `shutdown.timeoutMs`.
 */
async function main(): Promise<void> {
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  // Schema, cross-field checks and templates: exactly what `herald config check` reports.
  const config = await loadConfig(env.HERALD_CONFIG);
  // Before the service, so the first event consumed is traced; a no-op without OTEL_EXPORTER_OTLP_ENDPOINT.
  const tracing = startTracing({ endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME, logger });
  const service = await startService({ env, config, logger });
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
    service.stop().then(() => tracing.shutdown()).then(
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

main().catch((error: unknown) => {
  // Start-up errors (bad config, bad environment, broker unreachable) go to stderr as they are: they say what to fix.
  console.error(messageOf(error));
  process.exit(1);
});
