import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../shared/logger';
import { decodeHeadersLinearly } from './linear-headers';
import type { KafkaClient } from './types';
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
export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): KafkaClient {
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

/**
 * The CLI's client: silent (the command prints what matters), and quick to give up, so that a
 * command aimed at a dead broker says so in seconds instead of retrying for a minute at 3 a.m.
 */
export function createCliKafka(brokers: string[]): KafkaClient {
  decodeHeadersLinearly();
  readZstdBatches();
  return new Kafka({ brokers, clientId: 'herald-cli', logLevel: logLevel.NOTHING, connectionTimeout: 3_000, retry: { retries: 2, initialRetryTime: 200 } });
}
