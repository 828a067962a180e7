import { ConfigError } from '../../src/shared/errors';

/** A failure the demo already explained: its message says what went wrong and what to do. */
export class DemoError extends Error {
  override name = 'DemoError';
}

const INSTALL_HINT =
  'Install Java 17+ and Maven (Debian/Ubuntu: sudo apt install openjdk-17-jdk-headless maven; macOS: brew install openjdk@17 maven), ' +
  'or run your own Kafka and set KAFKA_BROKERS=host:port.';

function missingCommand(error: NodeJS.ErrnoException): string | undefined {
  if (error.code !== 'ENOENT') return undefined;
  const command = `${error.path ?? ''} ${error.syscall ?? ''}`;
  if (/\bmvn\b/.test(command)) return `Maven (mvn) is not on PATH; the demo uses it once to download Kafka. ${INSTALL_HINT}`;
  if (/\bjava\b/.test(command)) return `Java (java) is not on PATH; the local Kafka runs on it. ${INSTALL_HINT}`;
  return undefined;
}

/**
 * Turns whatever stopped the demo into a message that says what to do next. Errors the demo
 * raised itself (DemoError) and herald's ConfigError already do; the rest are recognised by
 * their code or their source (Maven, Java, the port, kafkajs).
 */
export function explainFailure(error: unknown, context: { brokers: string; port?: number }): string {
  if (error instanceof DemoError || error instanceof ConfigError) return error.message;
  const err = (error instanceof Error ? error : new Error(String(error))) as NodeJS.ErrnoException;
  const missing = missingCommand(err);
  if (missing) return missing;
  if (err.message.startsWith('Command failed: mvn')) {
    return 'Maven could not download Kafka (its output is above). Check your network or proxy (~/.m2/settings.xml), then run the demo again.';
  }
  if (err.code === 'EADDRINUSE') {
    return `Port ${context.port ?? '(HTTP_PORT)'} is already in use. Stop what uses it, or unset HTTP_PORT (the demo then picks a free port).`;
  }
  if (err.name.startsWith('KafkaJS')) {
    return (
      `Kafka at ${context.brokers} failed: ${err.message}. Check that the broker is still up (npm run stack:up starts the local ` +
      `one), then run the demo again.`
    );
  }
  return err.message;
}
