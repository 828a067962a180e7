import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../shared/logger';
import { decodeHeadersLinearly } from './linear-headers';
import { readZstdBatches } from './zstd-codec';

const LEVELS: Record<number, string> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * A kafkajs client whose own logs go through herald's winston logger (tagged `component: kafkajs`),
 * which decodes record headers in linear time (./linear-headers.ts) and reads zstd batches (./zstd-codec.ts).
 */
export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  decodeHeadersLinearly();
  readZstdBatches();
  const logCreator = () => (entry: LogEntry) => {
    const { message, ...extra } = entry.log;
    options.logger.log(LEVELS[entry.level] ?? 'info', message, { component: 'kafkajs', namespace: entry.namespace, ...extra });
  };
  return new Kafka({
    brokers: options.brokers,
    clientId: options.clientId,
    // kafkajs INFO is a line per group join/commit; WARN keeps the log for decisions that matter.
    logLevel: logLevel.WARN,
    logCreator,
    retry: { initialRetryTime: 200, retries: 8 },
  });
}
